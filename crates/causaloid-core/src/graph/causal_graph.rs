//! A causal graph: members as nodes of a directed acyclic graph. Built by
//! adding nodes and links, then frozen, which checks acyclicity and compiles
//! the evaluation order and column layout once.

use super::bits::BitPlan;
use super::id::NodeId;
use super::member::{Link, Member};
use super::single::RowPlan;
use crate::error::CausalError;
use crate::expr::{compile_row, ColumnTable, RowFn};
use std::collections::HashMap;
use std::sync::Arc;

/// Default bound on relay rounds in one evaluation.
pub const DEFAULT_MAX_RELAYS: usize = 64;

/// One node's evaluation step, laid out flat so a whole-graph evaluation
/// walks memory sequentially instead of chasing a pointer per node.
#[derive(Clone, Debug)]
pub(crate) struct PlanStep {
    pub node: u32,
    /// Range of the node's parents in `Frozen::parents`.
    pub parents: (u32, u32),
    /// The node's expression compiled to closures; `None` when the node is
    /// not an expression causaloid and takes the general path.
    pub row_fn: Option<RowFn>,
    pub reads_value: bool,
    /// Whether the node receives the incoming value (the join of its parents):
    /// an expression that reads `value()`, a callable, a nested structure.
    pub needs_value: bool,
    /// Range of the nodes its expression reads with `node(id)` in
    /// `Frozen::node_reads` (kept flat, so a step stays small and the plan
    /// walks memory sequentially).
    pub reads: (u32, u32),
}

impl PlanStep {
    #[inline(always)]
    pub fn has_reads(&self) -> bool {
        self.reads.0 != self.reads.1
    }
}

/// What freezing computes once for every evaluation.
#[derive(Clone, Debug)]
pub(crate) struct Frozen {
    /// Nodes in topological order (ties broken by insertion order).
    pub order: Vec<u32>,
    /// The evaluation plan, in topological order.
    pub plan: Vec<PlanStep>,
    /// The graph indices of every step's node reads (see `PlanStep::reads`).
    pub node_reads: Vec<u32>,
    /// Each node's position in `plan`.
    pub step_of: Vec<u32>,
    pub parents: Vec<u32>,
    pub table: ColumnTable,
    pub links: Vec<Link>,
    pub has_callables: bool,
    /// The compact single-row plan, when every node is an expression
    /// causaloid (see `single.rs`), built once here.
    pub row_plan: Option<Arc<RowPlan>>,
    /// The bit-packed batch plan, when the graph is verdict-only (see
    /// `bits.rs`), built once here instead of at every batch.
    pub bits: Option<Arc<BitPlan>>,
}

/// Causaloids (of any form) as nodes of a DAG.
#[derive(Clone)]
pub struct CausalGraph {
    id: NodeId,
    description: String,
    nodes: Vec<Member>,
    pub(crate) index: HashMap<NodeId, u32>,
    pub(crate) children: Vec<Vec<u32>>,
    pub(crate) parents: Vec<Vec<u32>>,
    pub(crate) max_relays: usize,
    pub(crate) frozen: Option<Frozen>,
    /// Levels of nesting (see [`Member::depth`]).
    pub(crate) depth: usize,
    /// Per-edge transforms, as declared (see `extend.rs`).
    pub(crate) transforms: Vec<super::extend::EdgeTransform>,
    /// Graph-level state variables and the nodes that write them.
    pub(crate) states: Vec<super::extend::StateVar>,
    pub(crate) writers: Vec<(String, NodeId)>,
    /// While frozen with edge transforms: the graph as declared (the frozen
    /// graph holds one hidden transform node per transformed edge).
    pub(crate) declared: Option<super::extend::Declared>,
}

impl CausalGraph {
    pub fn new(id: impl Into<NodeId>, description: impl Into<String>) -> CausalGraph {
        CausalGraph {
            id: id.into(),
            description: description.into(),
            nodes: Vec::new(),
            index: HashMap::new(),
            children: Vec::new(),
            parents: Vec::new(),
            max_relays: DEFAULT_MAX_RELAYS,
            frozen: None,
            depth: 1,
            transforms: Vec::new(),
            states: Vec::new(),
            writers: Vec::new(),
            declared: None,
        }
    }

    pub fn id(&self) -> &NodeId {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn nodes(&self) -> &[Member] {
        &self.nodes
    }

    pub(crate) fn nodes_mut(&mut self) -> &mut Vec<Member> {
        &mut self.nodes
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    pub fn max_relays(&self) -> usize {
        self.max_relays
    }

    pub fn set_max_relays(&mut self, n: usize) -> Result<(), CausalError> {
        self.check_unfrozen()?;
        self.max_relays = n;
        Ok(())
    }

    /// The node's position, or `UnknownNode`.
    pub fn index_of(&self, id: &NodeId) -> Result<u32, CausalError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| CausalError::UnknownNode { id: id.clone() })
    }

    pub fn node(&self, id: &NodeId) -> Result<&Member, CausalError> {
        Ok(&self.nodes[self.index_of(id)? as usize])
    }

    /// Edges as (parent id, child id), in insertion order of the parents.
    pub fn edges(&self) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        for (p, kids) in self.declared_children().iter().enumerate() {
            for &c in kids {
                out.push((
                    self.nodes[p].id().clone(),
                    self.nodes[c as usize].id().clone(),
                ));
            }
        }
        out
    }

    pub fn parents_of(&self, id: &NodeId) -> Result<Vec<NodeId>, CausalError> {
        let i = self.index_of(id)?;
        Ok(self
            .declared_parents()
            .get(i as usize)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&p| self.nodes[p as usize].id().clone())
            .collect())
    }

    pub fn children_of(&self, id: &NodeId) -> Result<Vec<NodeId>, CausalError> {
        let i = self.index_of(id)?;
        Ok(self
            .declared_children()
            .get(i as usize)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&c| self.nodes[c as usize].id().clone())
            .collect())
    }

    fn check_unfrozen(&self) -> Result<(), CausalError> {
        if self.frozen.is_some() {
            Err(CausalError::Frozen)
        } else {
            Ok(())
        }
    }

    /// Adds a node; its id must be new to the graph. Returns the id.
    pub fn add(&mut self, member: Member) -> Result<NodeId, CausalError> {
        self.check_unfrozen()?;
        member.check_nesting()?;
        member.check_stateless()?;
        let id = member.id().clone();
        if self.index.contains_key(&id) {
            return Err(CausalError::DuplicateId { id });
        }
        self.depth = self.depth.max(member.depth() + 1);
        self.index.insert(id.clone(), self.nodes.len() as u32);
        self.nodes.push(member);
        self.children.push(Vec::new());
        self.parents.push(Vec::new());
        Ok(id)
    }

    /// Adds the edge `from -> to`. A self-loop is refused as a cycle here; longer
    /// cycles are refused by [`CausalGraph::freeze`].
    pub fn link(&mut self, from: &NodeId, to: &NodeId) -> Result<(), CausalError> {
        self.check_unfrozen()?;
        let a = self.index_of(from)?;
        let b = self.index_of(to)?;
        if a == b {
            return Err(CausalError::Cycle {
                path: vec![from.clone(), to.clone()],
            });
        }
        if self.children[a as usize].contains(&b) {
            return Err(CausalError::DuplicateEdge {
                from: from.clone(),
                to: to.clone(),
            });
        }
        self.children[a as usize].push(b);
        self.parents[b as usize].push(a);
        Ok(())
    }

    /// Removes the edge `from -> to`.
    pub fn unlink(&mut self, from: &NodeId, to: &NodeId) -> Result<(), CausalError> {
        self.check_unfrozen()?;
        let a = self.index_of(from)?;
        let b = self.index_of(to)?;
        let pos = self.children[a as usize]
            .iter()
            .position(|&c| c == b)
            .ok_or_else(|| CausalError::InvalidArgument {
                name: "edge",
                message: format!("no edge {from} -> {to}"),
            })?;
        self.children[a as usize].remove(pos);
        self.parents[b as usize].retain(|&p| p != a);
        self.transforms
            .retain(|t| !(&t.from == from && &t.to == to));
        Ok(())
    }

    /// Checks the graph is a non-empty DAG and compiles its evaluation order and
    /// column layout. On error the graph stays unfrozen and unchanged.
    pub fn freeze(&mut self) -> Result<(), CausalError> {
        if self.frozen.is_some() {
            return Ok(());
        }
        if self.nodes.is_empty() {
            return Err(CausalError::EmptyGraph);
        }
        self.check_states()?;
        if !self.transforms.is_empty() && self.declared.is_none() {
            // Each transformed edge becomes a hidden node on a copy, which is
            // frozen like any graph; the evaluation loops never see a transform.
            let expanded = self.expanded()?;
            *self = expanded;
            return Ok(());
        }
        self.freeze_plan()
    }

    /// Compiles the evaluation order and plan (the graph is a non-empty DAG
    /// candidate; on error it stays unfrozen and unchanged).
    pub(crate) fn freeze_plan(&mut self) -> Result<(), CausalError> {
        let order = self.topological_order()?;
        let mut table = ColumnTable::new();
        let links: Vec<Link> = self
            .nodes
            .iter()
            .map(|m| Link::new(m, &mut table))
            .collect::<Result<_, _>>()?;
        let has_callables = self.nodes.iter().any(Member::has_callables);
        let mut plan = Vec::with_capacity(order.len());
        let mut parents = Vec::new();
        let mut node_reads = Vec::new();
        for &i in &order {
            let iu = i as usize;
            let p0 = parents.len() as u32;
            parents.extend_from_slice(&self.parents[iu]);
            let (row_fn, reads_value, reads) = match (&self.nodes[iu], &links[iu].program) {
                (Member::Causaloid(_), Some(program)) => {
                    let mut reads = Vec::with_capacity(program.nodes().len());
                    for target in program.nodes() {
                        let t = self
                            .index
                            .get(target)
                            .copied()
                            .map(|t| self.read_through(t, i))
                            .filter(|t| self.parents[iu].contains(t));
                        match t {
                            Some(t) => reads.push(t),
                            None => {
                                return Err(CausalError::NodeRead {
                                    id: self.nodes[iu].id().clone(),
                                    target: target.clone(),
                                    reason: "is not one of its parents: link it first",
                                })
                            }
                        }
                    }
                    (
                        Some(compile_row(program.ops())),
                        program.reads_value(),
                        reads,
                    )
                }
                _ => (None, false, Vec::new()),
            };
            let needs_value = reads_value || row_fn.is_none();
            let r0 = node_reads.len() as u32;
            node_reads.extend_from_slice(&reads);
            plan.push(PlanStep {
                node: i,
                parents: (p0, parents.len() as u32),
                row_fn,
                reads_value,
                needs_value,
                reads: (r0, node_reads.len() as u32),
            });
        }
        let mut step_of = vec![0u32; self.nodes.len()];
        for (k, step) in plan.iter().enumerate() {
            step_of[step.node as usize] = k as u32;
        }
        self.frozen = Some(Frozen {
            order,
            step_of,
            plan,
            node_reads,
            parents,
            table,
            links,
            has_callables,
            row_plan: None,
            bits: None,
        });
        let row_plan = RowPlan::new(self).map(Arc::new);
        let bits = BitPlan::new(self).map(Arc::new);
        if let Some(f) = self.frozen.as_mut() {
            f.row_plan = row_plan;
            f.bits = bits;
        }
        Ok(())
    }

    /// Allows changes again.
    pub fn unfreeze(&mut self) {
        self.frozen = None;
        self.restore_declared();
    }

    pub(crate) fn frozen(&self) -> Result<&Frozen, CausalError> {
        self.frozen.as_ref().ok_or(CausalError::NotFrozen)
    }

    pub(crate) fn table(&self) -> &ColumnTable {
        static EMPTY: std::sync::OnceLock<ColumnTable> = std::sync::OnceLock::new();
        match &self.frozen {
            Some(f) => &f.table,
            None => EMPTY.get_or_init(ColumnTable::new),
        }
    }

    pub fn columns(&self) -> &[String] {
        self.table().names()
    }

    /// Which of [`CausalGraph::columns`] the nodes of one part of the graph
    /// read: every node reachable from a start, the nodes of a path, one node
    /// (or all of them for [`SampledMode::Roots`]). A row evaluated on that
    /// part may leave the other columns out.
    pub fn columns_read_by(&self, part: &super::SampledMode) -> Result<Vec<bool>, CausalError> {
        use super::SampledMode;
        let names = self.columns();
        let nodes: Vec<u32> = match part {
            SampledMode::Roots => return Ok(vec![true; names.len()]),
            SampledMode::From(start) => {
                let reach = self.reachable(self.index_of(start)?);
                (0..self.nodes.len() as u32)
                    .filter(|&i| reach[i as usize])
                    .collect()
            }
            SampledMode::Path(a, b) => self.shortest_path(a, b)?,
            SampledMode::Single(node) => vec![self.index_of(node)?],
        };
        let position: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(k, n)| (n.as_str(), k))
            .collect();
        let mut read = vec![false; names.len()];
        for i in nodes {
            for name in self.nodes[i as usize].columns() {
                if let Some(&k) = position.get(name.as_str()) {
                    read[k] = true;
                }
            }
        }
        Ok(read)
    }

    pub fn has_callables(&self) -> bool {
        match &self.frozen {
            Some(f) => f.has_callables,
            None => self.nodes.iter().any(Member::has_callables),
        }
    }

    /// Refuses a graph with a cycle (naming the ids along it).
    pub fn check_acyclic(&self) -> Result<(), CausalError> {
        self.topological_order().map(|_| ())
    }

    /// Kahn's algorithm, smallest insertion index first, so the order is
    /// deterministic. A cycle is reported with the ids along it.
    fn topological_order(&self) -> Result<Vec<u32>, CausalError> {
        let n = self.nodes.len();
        let mut indegree: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<u32>> = (0..n as u32)
            .filter(|&i| indegree[i as usize] == 0)
            .map(std::cmp::Reverse)
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            order.push(i);
            for &c in &self.children[i as usize] {
                indegree[c as usize] -= 1;
                if indegree[c as usize] == 0 {
                    ready.push(std::cmp::Reverse(c));
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(CausalError::Cycle {
            path: self.find_cycle(&indegree),
        })
    }

    /// A cycle among the nodes Kahn's algorithm could not order.
    fn find_cycle(&self, indegree: &[usize]) -> Vec<NodeId> {
        let Some(start) = (0..self.nodes.len()).find(|&i| indegree[i] > 0) else {
            return Vec::new();
        };
        // Walk backwards along parents that are still blocked: in a finite graph
        // the walk must revisit a node, and the revisited stretch is a cycle.
        let mut seen = vec![usize::MAX; self.nodes.len()];
        let mut walk = Vec::new();
        let mut cur = start;
        while seen[cur] == usize::MAX {
            seen[cur] = walk.len();
            walk.push(cur);
            match self.parents[cur]
                .iter()
                .find(|&&p| indegree[p as usize] > 0)
            {
                Some(&p) => cur = p as usize,
                None => break,
            }
        }
        let from = if seen[cur] == usize::MAX {
            0
        } else {
            seen[cur]
        };
        let mut cycle: Vec<NodeId> = walk[from..]
            .iter()
            .rev()
            .map(|&i| self.nodes[i].id().clone())
            .collect();
        if let Some(first) = cycle.first().cloned() {
            cycle.push(first);
        }
        cycle
    }
}
