//! Completed partially directed acyclic graphs (CPDAGs): a Markov equivalence
//! class of DAGs, drawn with directed edges (the same in every member) and
//! undirected ones (oriented either way by some member).

use super::pc::{meek_closure, Marks, PcError};

/// A partially directed graph over `n` nodes numbered `0..n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpdag {
    marks: Marks,
}

impl Cpdag {
    /// Builds the graph; fails on a node out of range, a self-loop or a pair
    /// given twice.
    pub fn new(
        n: usize,
        directed: &[(usize, usize)],
        undirected: &[(usize, usize)],
    ) -> Result<Cpdag, PcError> {
        let cells = n.checked_mul(n).ok_or_else(|| PcError::InvalidArgument {
            parameter: "nodes",
            reason: format!("{n} nodes are too many"),
        })?;
        let mut probe: Vec<i8> = Vec::new();
        probe
            .try_reserve_exact(cells)
            .map_err(|_| PcError::InvalidArgument {
                parameter: "nodes",
                reason: format!("cannot allocate a graph of {n} nodes"),
            })?;
        drop(probe);
        let mut marks = Marks::empty(n);
        let check = |a: usize, b: usize, marks: &Marks| -> Result<(), PcError> {
            if a >= n || b >= n {
                return Err(PcError::InvalidArgument {
                    parameter: "edges",
                    reason: format!("edge ({a}, {b}) names a node outside 0..{n}"),
                });
            }
            if a == b {
                return Err(PcError::InvalidArgument {
                    parameter: "edges",
                    reason: format!("self-loop on node {a}"),
                });
            }
            if marks.adjacent(a, b) {
                return Err(PcError::InvalidArgument {
                    parameter: "edges",
                    reason: format!("nodes {a} and {b} are joined twice"),
                });
            }
            Ok(())
        };
        for &(a, b) in directed {
            check(a, b, &marks)?;
            marks.set_directed(a, b);
        }
        for &(a, b) in undirected {
            check(a, b, &marks)?;
            marks.set_undirected(a, b);
        }
        Ok(Cpdag { marks })
    }

    /// The CPDAG of a DAG: its v-structures directed, then Meek's rules.
    /// Fails when the edges have a directed cycle.
    pub fn of_dag(n: usize, directed: &[(usize, usize)]) -> Result<Cpdag, PcError> {
        let dag = Cpdag::new(n, directed, &[])?;
        for &(a, b) in directed {
            if reaches(&dag.marks, b, a) {
                return Err(PcError::InvalidArgument {
                    parameter: "edges",
                    reason: format!("the edges have a cycle through {a} and {b}"),
                });
            }
        }
        let mut marks = Marks::empty(n);
        for &(a, b) in directed {
            marks.set_undirected(a, b);
        }
        for b in 0..n {
            let parents: Vec<usize> = (0..n).filter(|&a| dag.marks.directed(a, b)).collect();
            for (i, &a) in parents.iter().enumerate() {
                for &c in &parents[i + 1..] {
                    if !dag.marks.adjacent(a, c) {
                        marks.set_directed(a, b);
                        marks.set_directed(c, b);
                    }
                }
            }
        }
        meek_closure(&mut marks);
        Ok(Cpdag { marks })
    }

    pub fn from_marks(marks: Marks) -> Cpdag {
        Cpdag { marks }
    }

    pub fn marks(&self) -> &Marks {
        &self.marks
    }

    /// Directed edges (a → b) and undirected edges (a < b), sorted.
    pub fn edges(&self) -> (Vec<(usize, usize)>, Vec<(usize, usize)>) {
        self.marks.edges()
    }

    /// Structural Hamming distance: the number of node pairs joined
    /// differently (an edge missing, extra, or with other marks).
    pub fn shd(&self, other: &Cpdag) -> Result<usize, PcError> {
        let n = self.marks.n();
        if other.marks.n() != n {
            return Err(PcError::InvalidArgument {
                parameter: "other",
                reason: format!("{} nodes against {n}", other.marks.n()),
            });
        }
        let mut d = 0;
        for a in 0..n {
            for b in a + 1..n {
                let mine = (self.marks.get(a, b), self.marks.get(b, a));
                let theirs = (other.marks.get(a, b), other.marks.get(b, a));
                d += usize::from(mine != theirs);
            }
        }
        Ok(d)
    }

    /// Up to `limit` DAGs of the equivalence class, each as its sorted list of
    /// directed edges: every way to orient the undirected edges that creates
    /// neither a directed cycle nor a v-structure, found by depth-first search
    /// (edge (a, b) with a < b tried as a → b first). Deterministic.
    pub fn dags(&self, limit: usize) -> Result<Vec<Vec<(usize, usize)>>, PcError> {
        let (_, undirected) = self.edges();
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let mut marks = self.marks.clone();
        // A graph whose directed part already has a cycle has no DAG.
        let n = marks.n();
        for a in 0..n {
            for b in 0..n {
                if marks.directed(a, b) && reaches(&marks, b, a) {
                    return Ok(out);
                }
            }
        }
        extend(&mut marks, &undirected, 0, limit, &mut out);
        Ok(out)
    }
}

/// Whether a directed path leads from `from` to `to`.
fn reaches(marks: &Marks, from: usize, to: usize) -> bool {
    let n = marks.n();
    let mut seen = vec![false; n];
    let mut stack = vec![from];
    seen[from] = true;
    while let Some(v) = stack.pop() {
        if v == to {
            return true;
        }
        for w in 0..n {
            if !seen[w] && marks.directed(v, w) {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    false
}

/// Whether orienting a → b makes a collider a → b ← c with a and c not adjacent.
fn makes_v_structure(marks: &Marks, a: usize, b: usize) -> bool {
    (0..marks.n()).any(|c| c != a && marks.directed(c, b) && !marks.adjacent(a, c))
}

fn extend(
    marks: &mut Marks,
    undirected: &[(usize, usize)],
    next: usize,
    limit: usize,
    out: &mut Vec<Vec<(usize, usize)>>,
) {
    if out.len() >= limit {
        return;
    }
    let Some(&(a, b)) = undirected.get(next) else {
        out.push(marks.edges().0);
        return;
    };
    for (from, to) in [(a, b), (b, a)] {
        // A new arrowhead may meet no parent of `to` that is not adjacent to
        // `from` (that would be a new v-structure; the pair is checked again
        // whichever of its two arrows comes last), and may close no cycle.
        if makes_v_structure(marks, from, to) || reaches(marks, to, from) {
            continue;
        }
        marks.set_directed(from, to);
        extend(marks, undirected, next + 1, limit, out);
        marks.set_undirected(from, to);
        if out.len() >= limit {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_has_three_dags_in_its_class() {
        // 0 - 1 - 2: 0→1→2, 0←1←2, 0←1→2 (not the collider).
        let g = Cpdag::new(3, &[], &[(0, 1), (1, 2)]).unwrap();
        let dags = g.dags(10).unwrap();
        assert_eq!(dags.len(), 3);
        assert!(!dags.contains(&vec![(0, 1), (2, 1)]));
    }

    #[test]
    fn a_complete_graph_on_three_nodes_has_six_orderings() {
        let g = Cpdag::new(3, &[], &[(0, 1), (0, 2), (1, 2)]).unwrap();
        assert_eq!(g.dags(100).unwrap().len(), 6);
        assert_eq!(g.dags(4).unwrap().len(), 4);
    }

    #[test]
    fn a_collider_is_its_own_class() {
        let g = Cpdag::new(3, &[(0, 2), (1, 2)], &[]).unwrap();
        assert_eq!(g.dags(10).unwrap(), vec![vec![(0, 2), (1, 2)]]);
    }

    #[test]
    fn shd_counts_pairs_joined_differently() {
        let truth = Cpdag::new(3, &[(0, 1), (1, 2)], &[]).unwrap();
        let learned = Cpdag::new(3, &[(1, 0)], &[(0, 2)]).unwrap();
        // (0,1) reversed, (0,2) extra, (1,2) missing
        assert_eq!(truth.shd(&learned).unwrap(), 3);
        assert_eq!(truth.shd(&truth).unwrap(), 0);
    }

    #[test]
    fn the_class_of_a_dag_keeps_colliders_and_their_consequences() {
        // 0 -> 2 <- 1, 2 -> 3: all compelled; 4 -> 5 alone is reversible.
        let g = Cpdag::of_dag(6, &[(0, 2), (1, 2), (2, 3), (4, 5)]).unwrap();
        assert_eq!(g.edges(), (vec![(0, 2), (1, 2), (2, 3)], vec![(4, 5)]));
        assert!(Cpdag::of_dag(2, &[(0, 1), (1, 0)]).is_err());
    }

    #[test]
    fn bad_edges_are_rejected() {
        assert!(Cpdag::new(2, &[(0, 2)], &[]).is_err());
        assert!(Cpdag::new(2, &[(1, 1)], &[]).is_err());
        assert!(Cpdag::new(2, &[(0, 1)], &[(1, 0)]).is_err());
    }
}
