//! Compiling parsed CEL into the fast path's tree ([`Node`]).

use super::*;

pub(super) struct Compiler {
    /// Comprehension variables in scope, innermost last.
    pub(super) scope: Vec<(String, usize)>,
    pub(super) slots: usize,
}

impl Compiler {
    pub(super) fn expr(&mut self, e: &IdedExpr) -> Option<Node> {
        Some(match &e.expr {
            Expr::Literal(l) => Node::Lit(literal(l)?),
            Expr::Ident(name) => Node::Var(self.ident(name)?),
            Expr::Select(s) => {
                let operand = Box::new(self.expr(&s.operand)?);
                if s.test {
                    Node::Has(operand, s.field.clone())
                } else {
                    Node::Select(operand, s.field.clone())
                }
            }
            Expr::List(l) if l.optional_indices.is_empty() => {
                let consts: Option<Vec<Lit>> = l
                    .elements
                    .iter()
                    .map(|e| match &e.expr {
                        Expr::Literal(l) => literal(l),
                        _ => None,
                    })
                    .collect();
                match consts {
                    Some(c) => Node::ConstList(c),
                    None => Node::List(l.elements.iter().map(|e| self.expr(e)).collect::<Option<_>>()?),
                }
            }
            Expr::Map(m) if m.entries.is_empty() => Node::EmptyMap,
            Expr::Map(m) => {
                let mut entries: Vec<(String, Node)> = Vec::new();
                for entry in &m.entries {
                    let EntryExpr::MapEntry(e) = &entry.expr else { return None };
                    let Expr::Literal(LiteralValue::String(key)) = &e.key.expr else { return None };
                    if e.optional || entries.iter().any(|(k, _)| k == key.inner()) {
                        return None;
                    }
                    entries.push((key.inner().to_owned(), self.expr(&e.value)?));
                }
                Node::Map(entries)
            }
            Expr::Call(call) => self.call(call)?,
            Expr::Comprehension(c) => self.fold(c)?,
            _ => return None,
        })
    }

    pub(super) fn ident(&self, name: &str) -> Option<Var> {
        if let Some((_, slot)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Some(Var::Local(*slot));
        }
        let (variable, i) = vars::lookup(name)?;
        Some(match variable {
            Variable::Item => Var::Item,
            Variable::Owner => Var::Owner,
            Variable::Document => Var::Document,
            Variable::Facility => Var::Facility,
            Variable::Policy => Var::Policy,
            Variable::AsOf => Var::AsOf,
            Variable::Documents => Var::Documents,
            Variable::List => Var::List(i),
        })
    }

    pub(super) fn boxed(&mut self, e: &IdedExpr) -> Option<Box<Node>> {
        self.expr(e).map(Box::new)
    }

    pub(super) fn call(&mut self, call: &CallExpr) -> Option<Node> {
        let args = &call.args;
        if let Some(target) = &call.target {
            return match (call.func_name.as_str(), args.len()) {
                ("size", 0) => Some(Node::Size(self.boxed(target)?)),
                _ => None,
            };
        }
        let two = |c: &mut Compiler| -> Option<(Box<Node>, Box<Node>)> {
            match args.as_slice() {
                [a, b] => Some((c.boxed(a)?, c.boxed(b)?)),
                _ => None,
            }
        };
        let bin = |c: &mut Compiler, node: fn(Box<Node>, Box<Node>) -> Node| two(c).map(|(a, b)| node(a, b));
        let cmp = |c: &mut Compiler, op: Cmp| two(c).map(|(a, b)| Node::Cmp(op, a, b));
        Some(match call.func_name.as_str() {
            op::LOGICAL_AND => bin(self, Node::And)?,
            op::LOGICAL_OR => bin(self, Node::Or)?,
            op::LOGICAL_NOT if args.len() == 1 => Node::Not(self.boxed(&args[0])?),
            op::NOT_STRICTLY_FALSE if args.len() == 1 => Node::NotStrictlyFalse(self.boxed(&args[0])?),
            op::CONDITIONAL => match args.as_slice() {
                [c, a, b] => Node::If(Box::new([self.expr(c)?, self.expr(a)?, self.expr(b)?])),
                _ => return None,
            },
            op::EQUALS => cmp(self, Cmp::Eq)?,
            op::NOT_EQUALS => cmp(self, Cmp::Ne)?,
            op::LESS => cmp(self, Cmp::Lt)?,
            op::LESS_EQUALS => cmp(self, Cmp::Le)?,
            op::GREATER => cmp(self, Cmp::Gt)?,
            op::GREATER_EQUALS => cmp(self, Cmp::Ge)?,
            op::IN => bin(self, Node::In)?,
            op::ADD => bin(self, Node::Add)?,
            op::INDEX => bin(self, Node::Index)?,
            "size" if args.len() == 1 => Node::Size(self.boxed(&args[0])?),
            "string" if args.len() == 1 => Node::Call(Func::String, vec![self.expr(&args[0])?]),
            name => {
                let spec = Helper::named(name)?;
                if args.len() != spec.arity() {
                    return None;
                }
                let args = args.iter().map(|a| self.expr(a)).collect::<Option<_>>()?;
                Node::Call(Func::Helper(spec.helper), args)
            }
        })
    }

    pub(super) fn fold(&mut self, c: &ComprehensionExpr) -> Option<Node> {
        if c.iter_var2.is_some() {
            return None;
        }
        let range = self.expr(&c.iter_range)?;
        let init = self.expr(&c.accu_init)?;
        let (iter, accu) = (self.slots, self.slots + 1);
        self.slots += 2;
        let depth = self.scope.len();
        self.scope.push((c.accu_var.clone(), accu));
        self.scope.push((c.iter_var.clone(), iter));
        let cond = self.expr(&c.loop_cond);
        let step = self.expr(&c.loop_step).map(|s| appending(s, accu));
        self.scope.truncate(depth + 1);
        let result = self.expr(&c.result);
        self.scope.truncate(depth);
        Some(joined(Fold { range, iter, accu, init, cond: cond?, step: step?, result: result? }))
    }
}

/// A comprehension step that extends the accumulator (`@result + [x]`, or
/// `cond ? @result + [x] : @result`), rewritten to append in place.
pub(super) fn appending(step: Node, accu: usize) -> Node {
    match step {
        Node::Add(a, b)
            if matches!(*a, Node::Var(Var::Local(s)) if s == accu)
                && matches!(*b, Node::List(_) | Node::ConstList(_)) =>
        {
            Node::Append(accu, b)
        }
        Node::If(parts) => {
            let [c, then, otherwise] = *parts;
            Node::If(Box::new([c, appending(then, accu), otherwise]))
        }
        other => other,
    }
}

pub(super) fn literal(l: &LiteralValue) -> Option<Lit> {
    Some(match l {
        LiteralValue::Null => Lit::Null,
        LiteralValue::Boolean(b) => Lit::Bool(*b.inner()),
        LiteralValue::Int(i) => Lit::Int(*i.inner()),
        LiteralValue::Double(d) => Lit::Double(*d.inner()),
        LiteralValue::String(s) => Lit::Str(s.inner().to_owned()),
        LiteralValue::UInt(_) | LiteralValue::Bytes(_) => return None,
    })
}
