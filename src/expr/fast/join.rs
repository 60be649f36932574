//! Joins: comprehensions over a merged list that visit only the elements a
//! per-facility index says can match (see [`Join`]).

use super::*;

/// A comprehension over a merged list (`assets.exists(a, … item.id in
/// a.systems …)`, `backups.filter(b, b.system == item.id)`) whose step leaves
/// the accumulator as it is for an element on which its predicate is false:
/// `@result || P` (`exists`) or `P ? … : @result` (`filter`, `exists_one`,
/// three-argument `map`). The predicate is an `||` of `&&`s, each with a
/// *key* conjunct comparing an expression of the element alone (`a.systems`,
/// `b.system`) with one that does not read the element (`item.id`):
/// `key == probe`, `probe == key` or `probe in key`.
///
/// Per facility, an index maps every string key to the elements that have
/// it ([`JoinIndex`]); evaluating then visits, in list order, only the
/// elements listed under the probe's value and those the index could not
/// classify, instead of the whole list for every judged item (systems ×
/// assets for AST-004). For every element left out, CEL's value of the
/// predicate is `false` without error: in CEL a conjunction with a `false`
/// conjunct is `false` whatever the others give (errors included), a
/// disjunction of `false`s is `false`, and a string equals no other string
/// and no value of another type. So the step would have left the
/// accumulator as it was, and the result is the same.
#[derive(Debug, Clone)]
pub(super) struct Join {
    /// Which index of the facility's [`Joins`] is this join's.
    pub(super) id: usize,
    /// The merged list, by its index in [`MERGED_LISTS`](crate::document::model::MERGED_LISTS).
    pub(super) list: usize,
    pub(super) fold: Fold,
    pub(super) disjuncts: Vec<Disjunct>,
}

/// One `&&` of a join's predicate.
#[derive(Debug, Clone)]
pub(super) struct Disjunct {
    /// The conjuncts that read only the element (and facility-wide
    /// variables): one that is `false` rules the element out for any item.
    pub(super) guards: Vec<Node>,
    /// The element's side of the key conjunct.
    pub(super) key: Node,
    /// The other side, read once per evaluation.
    pub(super) probe: Node,
    /// `probe in key` (else `key == probe`).
    pub(super) within: bool,
}

/// The joins' indexes of one facility, each built on first use.
#[derive(Debug, Default)]
pub struct Joins {
    pub(super) built: Mutex<HashMap<usize, Arc<OnceLock<JoinIndex>>>>,
}

/// Where the elements of a merged list can match a join's probe.
#[derive(Debug, Default)]
pub(super) struct JoinIndex {
    /// Per disjunct: each string key, and the elements (ascending) that can
    /// match a probe of that value.
    pub(super) keyed: Vec<HashMap<Box<str>, Vec<usize>>>,
    /// Elements some disjunct could not be decided for without the item:
    /// always visited.
    pub(super) residual: Vec<usize>,
}

/// What one disjunct's key says about one element.
pub(super) enum Keys {
    /// A guard is `false`: no probe matches.
    Never,
    /// Only a probe equal to one of these strings can match.
    Only(Vec<Box<str>>),
    /// Not decided here: visit the element.
    Unknown,
}

pub(super) static NEXT_JOIN: AtomicUsize = AtomicUsize::new(0);

/// Calls `f` with every variable a node reads (in comprehensions too) and
/// every slot [`Node::Append`] writes.
pub(super) fn each_var(n: &Node, f: &mut dyn FnMut(Var)) {
    let each = |nodes: &[&Node], f: &mut dyn FnMut(Var)| nodes.iter().for_each(|n| each_var(n, f));
    match n {
        Node::Lit(_) | Node::ConstList(_) | Node::EmptyMap => {}
        Node::Var(v) => f(*v),
        Node::List(items) | Node::Call(_, items) => items.iter().for_each(|i| each_var(i, f)),
        Node::Map(entries) => entries.iter().for_each(|(_, e)| each_var(e, f)),
        Node::Select(a, _) | Node::Has(a, _) | Node::Not(a) | Node::Size(a) | Node::NotStrictlyFalse(a) => {
            each_var(a, f)
        }
        Node::Index(a, b)
        | Node::And(a, b)
        | Node::Or(a, b)
        | Node::Cmp(_, a, b)
        | Node::In(a, b)
        | Node::Add(a, b) => each(&[a, b], f),
        Node::If(parts) => each(&[&parts[0], &parts[1], &parts[2]], f),
        Node::Append(slot, b) => {
            f(Var::Local(*slot));
            each_var(b, f);
        }
        Node::Fold(fold) => each(&[&fold.range, &fold.init, &fold.cond, &fold.step, &fold.result], f),
        Node::Join(j) => {
            let fold = &j.fold;
            each(&[&fold.range, &fold.init, &fold.cond, &fold.step, &fold.result], f)
        }
    }
}

pub(super) fn all_vars(n: &Node, mut ok: impl FnMut(Var) -> bool) -> bool {
    let mut all = true;
    each_var(n, &mut |v| all &= ok(v));
    all
}

/// A comprehension over a merged list as a [`Join`] when its shape allows,
/// else as it is.
pub(super) fn joined(f: Fold) -> Node {
    let (iter, accu) = (f.iter, f.accu);
    let is_accu = |n: &Node| matches!(n, Node::Var(Var::Local(s)) if *s == accu);
    // Reads only the element, nested comprehensions' own variables and
    // facility-wide ones: the same for every judged item.
    let element_only = |n: &Node| {
        all_vars(n, |v| match v {
            Var::Item | Var::Owner | Var::Document => false,
            Var::Local(s) => s == iter || s > accu,
            _ => true,
        })
    };
    // Does not read the element or the accumulator.
    let element_free = |n: &Node| all_vars(n, |v| !matches!(v, Var::Local(s) if s == iter || s == accu));
    let reads_element = |n: &Node| !all_vars(n, |v| !matches!(v, Var::Local(s) if s == iter));
    let Node::Var(Var::List(list)) = f.range else { return Node::Fold(Box::new(f)) };
    // The macros' loop conditions: `true`, or "no element matched yet".
    let cond = match &f.cond {
        Node::Lit(Lit::Bool(true)) => true,
        Node::NotStrictlyFalse(n) => matches!(&**n, Node::Not(a) if is_accu(a)),
        _ => false,
    };
    let predicate = match &f.step {
        Node::Or(a, p) if is_accu(a) => Some(&**p),
        Node::If(parts) if is_accu(&parts[2]) => Some(&parts[0]),
        _ => None,
    };
    let Some(predicate) =
        predicate.filter(|p| cond && all_vars(p, |v| !matches!(v, Var::Local(s) if s == accu)))
    else {
        return Node::Fold(Box::new(f));
    };
    let disjunct = |d: &Node| -> Option<Disjunct> {
        let mut conjuncts = Vec::new();
        flatten(d, true, &mut conjuncts);
        let mut guards = Vec::new();
        let mut key = None;
        for c in conjuncts {
            if element_only(c) {
                guards.push(c.clone());
                continue;
            }
            if key.is_some() {
                continue;
            }
            let keyed = |k: &Node| element_only(k) && reads_element(k);
            key = match c {
                Node::Cmp(Cmp::Eq, a, b) if keyed(a) && element_free(b) => Some((a, b, false)),
                Node::Cmp(Cmp::Eq, a, b) if keyed(b) && element_free(a) => Some((b, a, false)),
                Node::In(p, k) if keyed(k) && element_free(p) => Some((k, p, true)),
                _ => None,
            };
        }
        let (key, probe, within) = key?;
        Some(Disjunct { guards, key: (**key).clone(), probe: (**probe).clone(), within })
    };
    let mut disjuncts = Vec::new();
    flatten(predicate, false, &mut disjuncts);
    match disjuncts.into_iter().map(disjunct).collect::<Option<Vec<_>>>() {
        Some(disjuncts) => Node::Join(Box::new(Join {
            id: NEXT_JOIN.fetch_add(1, Ordering::Relaxed),
            list,
            fold: f,
            disjuncts,
        })),
        None => Node::Fold(Box::new(f)),
    }
}

/// The operands of nested `&&` (`and`) or `||`.
pub(super) fn flatten<'n>(n: &'n Node, and: bool, out: &mut Vec<&'n Node>) {
    match n {
        Node::And(a, b) if and => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        Node::Or(a, b) if !and => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        other => out.push(other),
    }
}

impl<'a> Run<'_, 'a> {
    /// A [`Join`]: the fold over the elements its index leaves in.
    pub(super) fn join(&mut self, j: &'a Join) -> Result<V<'a>> {
        let mut probes: Vec<V<'a>> = Vec::with_capacity(j.disjuncts.len());
        for d in &j.disjuncts {
            match self.eval(&d.probe) {
                Ok(v) if str_of(&v).is_some() => probes.push(v),
                // Not a string, or not decided here: the whole list.
                _ => return self.fold(&j.fold),
            }
        }
        let index = self.index(j)?;
        let index = index.get().ok_or(Declined)?;
        let mut visit = index.residual.clone();
        for (keyed, probe) in index.keyed.iter().zip(&probes) {
            if let Some(found) = str_of(probe).and_then(|p| keyed.get(p)) {
                visit.extend_from_slice(found);
            }
        }
        // In list order, each once: as the comprehension would meet them.
        visit.sort_unstable();
        visit.dedup();
        let list = self.globals.lists.get(j.list).ok_or(Declined)?;
        let f = &j.fold;
        self.locals[f.accu] = self.eval(&f.init)?;
        for i in visit {
            if !self.eval(&f.cond)?.bool()? {
                break;
            }
            self.locals[f.iter] = V::json(list.get(i).ok_or(Declined)?);
            self.locals[f.accu] = self.eval(&f.step)?;
        }
        self.eval(&f.result)
    }

    /// The facility's index for join `j`, built on first need.
    pub(super) fn index(&mut self, j: &'a Join) -> Result<Arc<OnceLock<JoinIndex>>> {
        let cell = {
            let mut built = self.globals.joins.built.lock().map_err(|_| Declined)?;
            Arc::clone(built.entry(j.id).or_default())
        };
        cell.get_or_init(|| self.build(j));
        Ok(cell)
    }

    pub(super) fn build(&mut self, j: &'a Join) -> JoinIndex {
        let list: &'a [&'a DocNode] = self.globals.lists.get(j.list).map_or(&[], |l| l.as_slice());
        let mut index = JoinIndex { keyed: vec![HashMap::new(); j.disjuncts.len()], residual: Vec::new() };
        let saved = std::mem::replace(&mut self.locals[j.fold.iter], V::Null);
        let mut keys: Vec<Keys> = Vec::with_capacity(j.disjuncts.len());
        for (i, element) in list.iter().enumerate() {
            self.locals[j.fold.iter] = V::json(element);
            keys.clear();
            for d in &j.disjuncts {
                keys.push(self.keys(d));
            }
            if keys.iter().any(|k| matches!(k, Keys::Unknown)) {
                index.residual.push(i);
                continue;
            }
            for (keyed, k) in index.keyed.iter_mut().zip(keys.drain(..)) {
                if let Keys::Only(found) = k {
                    for key in found {
                        let elements = keyed.entry(key).or_default();
                        if elements.last() != Some(&i) {
                            elements.push(i);
                        }
                    }
                }
            }
        }
        self.locals[j.fold.iter] = saved;
        index
    }

    /// What disjunct `d` says about the element bound to its comprehension
    /// variable, for a string probe.
    pub(super) fn keys(&mut self, d: &'a Disjunct) -> Keys {
        for guard in &d.guards {
            if let Ok(V::Bool(false)) = self.eval(guard) {
                return Keys::Never;
            }
        }
        let Ok(key) = self.eval(&d.key) else { return Keys::Unknown };
        if !d.within {
            // `key == probe`: a string equals only itself, and no value of
            // another type.
            return Keys::Only(str_of(&key).map(Box::from).into_iter().collect());
        }
        // `probe in key`: a list's string elements (its other elements
        // equal no string). `in` a map or a string is left to the visit.
        let Some(n) = key.list_len() else { return Keys::Unknown };
        let mut found = Vec::new();
        for i in 0..n {
            match key.element(i) {
                Some(e) => found.extend(str_of(&e).map(Box::from)),
                None => return Keys::Unknown,
            }
        }
        Keys::Only(found)
    }
}
