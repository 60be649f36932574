//! Evaluating a compiled tree over the documents.

use super::*;

/// One evaluation.
pub(super) struct Run<'r, 'a> {
    pub(super) globals: &'r Globals<'a>,
    pub(super) item: &'r Item<'a>,
    pub(super) locals: &'r mut [V<'a>],
    /// What is left of [`Globals::max_bytes`].
    pub(super) left: u64,
}

/// A machine word: what a list slot or a reference costs.
pub(super) const WORD: usize = 8;

impl<'a> Run<'_, 'a> {
    /// Takes `bytes` from the evaluation's allowance; declines past it.
    pub(super) fn charge(&mut self, bytes: usize) -> Result<()> {
        let bytes = u64::try_from(bytes).map_err(|_| Declined)?;
        self.left = self.left.checked_sub(bytes).ok_or(Declined)?;
        Ok(())
    }

    pub(super) fn var(&self, v: Var) -> Result<V<'a>> {
        let g = self.globals;
        Ok(match v {
            Var::Item => V::json(self.item.item),
            Var::Owner => V::json(self.item.owner.ok_or(Declined)?),
            Var::Document => V::json(self.item.document.ok_or(Declined)?),
            Var::Facility => V::json(g.facility),
            Var::Policy => V::json(g.policy),
            Var::AsOf => V::Str(g.as_of),
            Var::Documents => V::Documents,
            Var::List(i) => V::Refs(g.lists.get(i).ok_or(Declined)?),
            Var::Local(slot) => self.locals.get(slot).cloned().ok_or(Declined)?,
        })
    }

    pub(super) fn eval(&mut self, node: &'a Node) -> Result<V<'a>> {
        Ok(match node {
            Node::Lit(l) => V::lit(l),
            Node::ConstList(items) => V::Lits(items),
            Node::List(items) => {
                self.charge(WORD * (3 + 2 * items.len()))?;
                V::List(Rc::new(items.iter().map(|e| self.eval(e)).collect::<Result<_>>()?))
            }
            Node::EmptyMap => V::EmptyMap,
            Node::Map(entries) => {
                self.charge(WORD * (3 + 4 * entries.len()))?;
                let mut fields = Vec::with_capacity(entries.len());
                for (k, e) in entries {
                    fields.push((k.as_str(), self.eval(e)?));
                }
                V::Fields(Rc::new(fields))
            }
            Node::Index(a, i) => {
                let (a, i) = (self.eval(a)?, self.eval(i)?);
                match (&a, &i) {
                    (V::Obj(_) | V::Fields(_) | V::EmptyMap, key) => {
                        a.field(string(key)?)?.ok_or(Declined)?
                    }
                    (_, V::Int(n)) => {
                        a.element(usize::try_from(*n).map_err(|_| Declined)?).ok_or(Declined)?
                    }
                    _ => return Err(Declined),
                }
            }
            Node::Var(v) => self.var(*v)?,
            Node::Select(operand, field) => match self.eval(operand)? {
                V::Documents => {
                    let kind = Kind::ALL.iter().position(|k| *k != Kind::Config && k.name() == field);
                    V::Refs(self.globals.documents.get(kind.ok_or(Declined)?).ok_or(Declined)?)
                }
                map => map.field(field)?.ok_or(Declined)?,
            },
            Node::Has(operand, field) => match self.eval(operand)? {
                V::Documents => return Err(Declined),
                map => V::Bool(map.field(field)?.is_some()),
            },
            Node::Not(a) => V::Bool(!self.eval(a)?.bool()?),
            Node::And(a, b) => V::Bool(self.eval(a)?.bool()? && self.eval(b)?.bool()?),
            Node::Or(a, b) => V::Bool(self.eval(a)?.bool()? || self.eval(b)?.bool()?),
            Node::If(parts) => {
                let [c, a, b] = &**parts;
                if self.eval(c)?.bool()? { self.eval(a)? } else { self.eval(b)? }
            }
            Node::Cmp(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                V::Bool(match op {
                    Cmp::Eq => equal(&a, &b)?,
                    Cmp::Ne => !equal(&a, &b)?,
                    Cmp::Lt => order(&a, &b)?.is_lt(),
                    Cmp::Le => order(&a, &b)?.is_le(),
                    Cmp::Gt => order(&a, &b)?.is_gt(),
                    Cmp::Ge => order(&a, &b)?.is_ge(),
                })
            }
            Node::In(a, b) => {
                let (x, list) = (self.eval(a)?, self.eval(b)?);
                let n = list.list_len().ok_or(Declined)?;
                let mut found = false;
                for i in 0..n {
                    if equal(&x, &list.element(i).ok_or(Declined)?)? {
                        found = true;
                        break;
                    }
                }
                V::Bool(found)
            }
            Node::Add(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                match (&a, &b) {
                    (V::Int(x), V::Int(y)) => V::Int(x.checked_add(*y).ok_or(Declined)?),
                    _ if str_of(&a).is_some() => {
                        let (x, y) = (string(&a)?, string(&b)?);
                        self.charge(3 * WORD + x.len() + y.len())?;
                        V::Text([x, y].concat().into())
                    }
                    _ => {
                        let (n, m) = (a.list_len().ok_or(Declined)?, b.list_len().ok_or(Declined)?);
                        self.charge(WORD * (3 + 2 * (n + m)))?;
                        let mut out = Vec::with_capacity(n + m);
                        for (list, len) in [(&a, n), (&b, m)] {
                            for i in 0..len {
                                out.push(list.element(i).ok_or(Declined)?);
                            }
                        }
                        V::List(Rc::new(out))
                    }
                }
            }
            Node::Append(slot, list) => {
                // The new elements first, while the accumulator is in place.
                let extra = self.eval(list)?;
                let n = extra.list_len().ok_or(Declined)?;
                self.charge(2 * WORD * n)?;
                let accu = std::mem::replace(self.locals.get_mut(*slot).ok_or(Declined)?, V::Null);
                let mut items = match accu {
                    V::List(rc) => Rc::try_unwrap(rc).unwrap_or_else(|rc| (*rc).clone()),
                    other => {
                        let len = other.list_len().ok_or(Declined)?;
                        (0..len).map(|i| other.element(i)).collect::<Option<Vec<_>>>().ok_or(Declined)?
                    }
                };
                for i in 0..n {
                    items.push(extra.element(i).ok_or(Declined)?);
                }
                V::List(Rc::new(items))
            }
            Node::Size(a) => {
                let v = self.eval(a)?;
                let n = match &v {
                    V::Str(_) | V::Text(_) => string(&v)?.chars().count(),
                    V::Obj(m) => m.len(),
                    V::Fields(f) => f.len(),
                    V::EmptyMap => 0,
                    other => other.list_len().ok_or(Declined)?,
                };
                V::Int(i64::try_from(n).map_err(|_| Declined)?)
            }
            Node::NotStrictlyFalse(a) => V::Bool(!matches!(self.eval(a)?, V::Bool(false))),
            Node::Call(func, args) => self.call(*func, args)?,
            Node::Fold(f) => self.fold(f)?,
            Node::Join(j) => self.join(j)?,
        })
    }

    pub(super) fn fold(&mut self, f: &'a Fold) -> Result<V<'a>> {
        let init = self.eval(&f.init)?;
        let range = self.eval(&f.range)?;
        let n = range.list_len().ok_or(Declined)?;
        self.locals[f.accu] = init;
        for i in 0..n {
            if !self.eval(&f.cond)?.bool()? {
                break;
            }
            self.locals[f.iter] = range.element(i).ok_or(Declined)?;
            self.locals[f.accu] = self.eval(&f.step)?;
        }
        self.eval(&f.result)
    }

    pub(super) fn call(&mut self, func: Func, args: &'a [Node]) -> Result<V<'a>> {
        // Helpers take at most three arguments: evaluated onto the stack.
        let mut values = [V::Null, V::Null, V::Null];
        if args.len() > values.len() {
            return Err(Declined);
        }
        for (slot, a) in values.iter_mut().zip(args) {
            *slot = self.eval(a)?;
        }
        let arg = |i: usize| values.get(i).filter(|_| i < args.len()).ok_or(Declined);
        let helper = match func {
            // CEL's own conversion, for the kinds whose text is certain.
            Func::String => {
                return Ok(match arg(0)? {
                    V::Int(i) => V::Text(i.to_string().into()),
                    V::Bool(b) => V::Text(b.to_string().into()),
                    s @ (V::Str(_) | V::Text(_)) => s.clone(),
                    _ => return Err(Declined),
                });
            }
            Func::Helper(h) => h,
        };
        // Each helper is `helpers`'; here only the arguments and the result
        // are converted (and what it builds is charged).
        let as_of = self.globals.as_of_date;
        Ok(match helper {
            Helper::DaysSince => V::Int(helpers::days_since(string(arg(0)?)?, as_of)?),
            Helper::WithinDays => V::Bool(helpers::within_days(string(arg(0)?)?, int(arg(1)?)?, as_of)?),
            Helper::OlderThanDays => {
                V::Bool(helpers::older_than_days(string(arg(0)?)?, int(arg(1)?)?, as_of)?)
            }
            Helper::DaysBetween => V::Int(helpers::days_between(string(arg(0)?)?, string(arg(1)?)?)?),
            Helper::AddDays => V::Text(helpers::add_days(string(arg(0)?)?, int(arg(1)?)?)?.into()),
            Helper::IsDate => V::Bool(helpers::is_date(arg(0)?)),
            Helper::HasPath => V::Bool(helpers::path_get(arg(0)?, string(arg(1)?)?)?.is_some()),
            Helper::GetPath => helpers::get_path(arg(0)?, string(arg(1)?)?, arg(2)?)?,
            Helper::DistinctCount => V::Int(helpers::distinct_count(arg(0)?)?),
            Helper::Latest => helpers::extreme(arg(0)?, std::cmp::Ordering::Greater)?.unwrap_or(V::Null),
            Helper::Earliest => helpers::extreme(arg(0)?, std::cmp::Ordering::Less)?.unwrap_or(V::Null),
            Helper::Join => {
                let (list, sep) = (arg(0)?, string(arg(1)?)?);
                let text = helpers::join(list, sep)?;
                let seps = if list.list_len().is_some_and(|n| n > 0) { sep.len() } else { 0 };
                self.charge(3 * WORD + text.len() + seps)?;
                V::Text(text.into())
            }
            Helper::Head => {
                let list = arg(0)?;
                let (n, more) = helpers::head(list, arg(1)?)?;
                self.charge(WORD * (3 + 2 * (n + 1)))?;
                let mut out: Vec<V<'_>> = (0..n).filter_map(|i| list.element(i)).collect();
                out.extend(more.map(|m| V::Text(m.into())));
                V::List(Rc::new(out))
            }
            Helper::MfaEnabled => V::Bool(helpers::mfa_enabled(arg(0)?)?),
            Helper::EffectiveAuth => {
                let found = helpers::effective_auth(arg(0)?, arg(1)?)?;
                let fields = helpers::AUTH_FIELDS.into_iter().zip(found).filter_map(|(k, v)| Some((k, v?)));
                V::Fields(Rc::new(fields.collect()))
            }
            Helper::IsAnyAddress => V::Bool(helpers::is_any_address(string(arg(0)?)?)),
            Helper::IsAddress => V::Bool(helpers::is_address(string(arg(0)?)?)),
            Helper::NameKey => V::Text(helpers::name_key_of(arg(0)?).into()),
        })
    }
}
