//! The JSON form of norms and of an ethos (what a model's JSON form and an
//! operation program carry):
//!
//! ```json
//! {"calculus": "priority", "action_tags": [["lock", ["doors"]]],
//!  "norms": [{"id": "n", "action": "lock", "modality": "obligatory",
//!             "predicate": {"expr": {"binary": ["gt", {"col": "heat"}, {"lit": 80.0}]}},
//!             "priority": 0, "specificity": 0, "time": 0.0, "description": "",
//!             "tags": [], "cost": 0.0, "defeats": [], "inherits": null,
//!             "decide": null, "seed": null, "contexts": []}]}
//! ```
//! A predicate is `null` (always), `{"expr": <expression>}` or
//! `{"member": <structure document>}`; a host-language predicate has no JSON
//! form (a `SerializationError` names the norm). `contexts` holds the context
//! documents the predicate's reads are filled from; reading a document, a
//! context the caller holds live under the same name is used instead.

use super::norm::{Modality, Norm, Predicate};
use super::resolve::Ethos;
use super::verdict::Calculus;
use crate::context::{Context, SharedContext};
use crate::error::CausalError;
use crate::expr::{Contexts, Expr};
use crate::graph::{Member, NodeId};
use crate::uncertain::SprtParams;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideDto {
    threshold: f64,
    confidence: f64,
    epsilon: f64,
    max_samples: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum PredicateDto {
    Expr(Expr),
    Member(Value),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NormDto {
    id: NodeId,
    action: String,
    modality: String,
    #[serde(default)]
    predicate: Option<PredicateDto>,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    specificity: i64,
    #[serde(default)]
    time: f64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    cost: f64,
    #[serde(default)]
    defeats: Vec<NodeId>,
    #[serde(default)]
    inherits: Option<NodeId>,
    #[serde(default)]
    decide: Option<DecideDto>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    contexts: Vec<Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EthosDto {
    #[serde(default = "default_calculus")]
    calculus: String,
    #[serde(default)]
    action_tags: Vec<(String, Vec<String>)>,
    norms: Vec<Value>,
}

fn default_calculus() -> String {
    Calculus::Priority.name().into()
}

fn ser(message: String) -> CausalError {
    CausalError::Serialization { message }
}

fn ethos_err(source: super::EthosError) -> CausalError {
    CausalError::Ethos {
        source: Box::new(source),
    }
}

/// A norm as a JSON value.
pub fn norm_to_value(n: &Norm) -> Result<Value, CausalError> {
    let predicate = match &n.predicate {
        Predicate::Always => None,
        Predicate::Expr(e) => Some(PredicateDto::Expr(e.clone())),
        Predicate::Member(m) => Some(PredicateDto::Member(crate::json::from_str(
            &m.to_json()?,
            "causaloid JSON",
        )?)),
        Predicate::Host(_) => {
            return Err(ser(format!(
                "norm {} has a host-language predicate, which has no JSON form (only \
                 expression, causaloid and always predicates do)",
                n.id
            )))
        }
    };
    let mut contexts = Vec::with_capacity(n.contexts.len());
    for c in &n.contexts {
        let snap = c.snapshot();
        let text = snap
            .to_json()
            .map_err(|e| ser(format!("context {:?}: {e}", snap.name())))?;
        contexts.push(crate::json::from_str(&text, "context JSON")?);
    }
    let dto = NormDto {
        id: n.id.clone(),
        action: n.action.clone(),
        modality: n.modality.name().into(),
        predicate,
        priority: n.priority,
        specificity: n.specificity,
        time: n.time,
        description: n.description.clone(),
        tags: n.tags.clone(),
        cost: n.cost,
        defeats: n.defeats.clone(),
        inherits: n.inherits.clone(),
        decide: n.decide.map(|p| DecideDto {
            threshold: p.threshold,
            confidence: p.confidence,
            epsilon: p.epsilon,
            max_samples: p.max_samples,
        }),
        seed: n.seed,
        contexts,
    };
    serde_json::to_value(dto).map_err(|e| ser(e.to_string()))
}

/// A norm from its JSON value; contexts held in `live` (by name) replace the
/// copies the document carries. The norm is validated.
pub fn norm_from_value(v: Value, live: &Contexts) -> Result<Norm, CausalError> {
    let dto: NormDto = serde_json::from_value(v).map_err(|e| ser(format!("norm: {e}")))?;
    let modality = Modality::from_name(&dto.modality).map_err(ethos_err)?;
    let mut contexts = Vec::with_capacity(dto.contexts.len());
    for c in dto.contexts {
        let ctx = Context::from_json(&c.to_string())
            .map_err(|e| ser(format!("context of norm {}: {e}", dto.id)))?;
        contexts.push(match live.get(ctx.name()) {
            Some(held) => Arc::clone(held),
            None => Arc::new(SharedContext::new(ctx)),
        });
    }
    let predicate = match dto.predicate {
        None => Predicate::Always,
        Some(PredicateDto::Expr(e)) => Predicate::Expr(e),
        Some(PredicateDto::Member(m)) => {
            Predicate::Member(Member::from_json_with(&m.to_string(), live)?)
        }
    };
    let mut norm = Norm::new(dto.id, dto.action, modality);
    norm.predicate = predicate;
    norm.priority = dto.priority;
    norm.specificity = dto.specificity;
    norm.time = dto.time;
    norm.description = dto.description;
    norm.tags = dto.tags;
    norm.cost = dto.cost;
    norm.defeats = dto.defeats;
    norm.inherits = dto.inherits;
    norm.decide = dto.decide.map(|d| SprtParams {
        threshold: d.threshold,
        confidence: d.confidence,
        epsilon: d.epsilon,
        max_samples: d.max_samples,
    });
    norm.seed = dto.seed;
    norm.contexts = contexts;
    norm.validate().map_err(ethos_err)?;
    Ok(norm)
}

impl Ethos {
    /// The ethos as a JSON value: its calculus, declared action tags and norms.
    pub fn to_json_value(&self) -> Result<Value, CausalError> {
        // Sorted, so equal ethe write equal documents whatever the order
        // their norms were added in (no verdict depends on it).
        let mut action_tags = self.tagged_actions().to_vec();
        action_tags.sort();
        let mut norms: Vec<&Norm> = self.norms().collect();
        norms.sort_by_key(|n| format!("{:?}", n.id));
        let dto = EthosDto {
            calculus: self.calculus().name().into(),
            action_tags,
            norms: norms
                .into_iter()
                .map(norm_to_value)
                .collect::<Result<_, _>>()?,
        };
        serde_json::to_value(dto).map_err(|e| ser(e.to_string()))
    }

    /// An ethos from its JSON value (norms checked as when built).
    pub fn from_json_value(v: Value, live: &Contexts) -> Result<Ethos, CausalError> {
        let dto: EthosDto = serde_json::from_value(v).map_err(|e| ser(format!("ethos: {e}")))?;
        let norms = dto
            .norms
            .into_iter()
            .map(|n| norm_from_value(n, live))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ethos = Ethos::with_norms(norms).map_err(ethos_err)?;
        ethos.set_calculus(Calculus::from_name(&dto.calculus).map_err(ethos_err)?);
        for (action, tags) in dto.action_tags {
            ethos.set_action_tags(&action, tags).map_err(ethos_err)?;
        }
        Ok(ethos)
    }

    /// The JSON text of [`Ethos::to_json_value`].
    pub fn to_json(&self) -> Result<String, CausalError> {
        serde_json::to_string(&self.to_json_value()?).map_err(|e| ser(e.to_string()))
    }

    /// Reads [`Ethos::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<Ethos, CausalError> {
        let v: Value = crate::json::from_str(text, "ethos JSON")?;
        Ethos::from_json_value(v, &Contexts::new())
    }
}

/// Whether two norms are the same: equal fields, equal expression or
/// structure predicates (a host predicate only equals itself) and contexts of
/// the same names.
pub(crate) fn same_norm(a: &Norm, b: &Norm) -> bool {
    let same_predicate = match (&a.predicate, &b.predicate) {
        (Predicate::Always, Predicate::Always) => true,
        (Predicate::Expr(x), Predicate::Expr(y)) => x == y,
        (Predicate::Member(x), Predicate::Member(y)) => crate::model_ops::same_member_pub(x, y),
        (Predicate::Host(x), Predicate::Host(y)) => Arc::ptr_eq(x, y),
        _ => false,
    };
    let names = |n: &Norm| -> Vec<String> {
        n.contexts
            .iter()
            .map(|c| c.snapshot().name().to_owned())
            .collect()
    };
    same_predicate
        && a.id == b.id
        && a.action == b.action
        && a.modality == b.modality
        && a.priority == b.priority
        && a.specificity == b.specificity
        && a.time.to_bits() == b.time.to_bits()
        && a.description == b.description
        && a.tags == b.tags
        && a.cost.to_bits() == b.cost.to_bits()
        && a.defeats == b.defeats
        && a.inherits == b.inherits
        && a.decide == b.decide
        && a.seed == b.seed
        && names(a) == names(b)
}
