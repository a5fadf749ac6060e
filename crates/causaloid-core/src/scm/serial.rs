//! The JSON form of a structural causal model: every variable with its
//! parents, equation (expressions in the expression language's own JSON form)
//! and noise, and the interventions applied. Numbers round-trip exactly;
//! non-finite ones are written as the strings `"nan"`, `"inf"`, `"-inf"`.
//! Host-language equations are written by name only: whoever reads the
//! document gives the functions back.
//!
//! ```json
//! {"format": "causaloid.scm", "version": 1,
//!  "variables": [{"name": "x", "parents": [], "equation": {"linear": {"intercept": 0.0, "coefs": []}},
//!                 "noise": {"normal": {"mean": 0.0, "std": 1.0}}}],
//!  "interventions": []}
//! ```

use super::{
    check_noise, compile, topological_order, BlockEquation, Equation, Intervention, Noise, Scm,
    ScmError,
};
use crate::expr::Expr;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::sync::Arc;

const FORMAT: &str = "causaloid.scm";
const VERSION: u32 = 1;

/// A number that may be non-finite.
#[derive(Clone, Copy, Debug)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() {
            s.serialize_f64(x)
        } else if x.is_nan() {
            s.serialize_str("nan")
        } else if x > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(x) => Ok(Num(x)),
            Raw::S(s) => match s.as_str() {
                "nan" => Ok(Num(f64::NAN)),
                "inf" => Ok(Num(f64::INFINITY)),
                "-inf" => Ok(Num(f64::NEG_INFINITY)),
                other => Err(serde::de::Error::custom(format!(
                    "expected a number, \"nan\", \"inf\" or \"-inf\", got {other:?}"
                ))),
            },
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format: String,
    version: u32,
    variables: Vec<VarDoc>,
    interventions: Vec<InterventionDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VarDoc {
    name: String,
    parents: Vec<String>,
    equation: EqDoc,
    noise: NoiseDoc,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum EqDoc {
    Unfitted,
    Linear { intercept: Num, coefs: Vec<Num> },
    Expr(Expr),
    External { name: String, takes_noise: bool },
    Fixed(Num),
    Soft { base: Box<EqDoc>, expr: Expr },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum NoiseDoc {
    None,
    Normal { mean: Num, std: Num },
    Uniform { low: Num, high: Num },
    Empirical(Vec<Num>),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterventionDoc {
    node: String,
    description: String,
    cut: Vec<(String, String)>,
}

fn eq_doc(e: &Equation) -> EqDoc {
    match e {
        Equation::Unfitted => EqDoc::Unfitted,
        Equation::Linear { intercept, coefs } => EqDoc::Linear {
            intercept: Num(*intercept),
            coefs: coefs.iter().map(|&c| Num(c)).collect(),
        },
        Equation::Expr(c) => EqDoc::Expr(c.expr.clone()),
        Equation::External {
            function,
            takes_noise,
        } => EqDoc::External {
            name: function.name(),
            takes_noise: *takes_noise,
        },
        Equation::Fixed(v) => EqDoc::Fixed(Num(*v)),
        Equation::Soft { base, expr } => EqDoc::Soft {
            base: Box::new(eq_doc(base)),
            expr: expr.expr.clone(),
        },
    }
}

fn noise_doc(n: &Noise) -> NoiseDoc {
    match n {
        Noise::None => NoiseDoc::None,
        Noise::Normal { mean, std } => NoiseDoc::Normal {
            mean: Num(*mean),
            std: Num(*std),
        },
        Noise::Uniform { low, high } => NoiseDoc::Uniform {
            low: Num(*low),
            high: Num(*high),
        },
        Noise::Empirical(v) => NoiseDoc::Empirical(v.iter().map(|&x| Num(x)).collect()),
    }
}

/// Gives back the host-language function of a variable read from JSON:
/// `(variable, function name, takes noise)`.
pub type ExternalResolver<'a> = dyn FnMut(&str, &str, bool) -> Option<Arc<dyn BlockEquation>> + 'a;

fn bad(message: String) -> ScmError {
    ScmError::InvalidArgument {
        name: "SCM JSON",
        message,
    }
}

impl Scm {
    /// The model as a JSON document (see the module documentation).
    pub fn to_json(&self) -> String {
        let doc = Doc {
            format: FORMAT.to_owned(),
            version: VERSION,
            variables: (0..self.len())
                .map(|i| VarDoc {
                    name: self.names[i].clone(),
                    parents: self.parents[i]
                        .iter()
                        .map(|&p| self.names[p].clone())
                        .collect(),
                    equation: eq_doc(&self.equations[i]),
                    noise: noise_doc(&self.noises[i]),
                })
                .collect(),
            interventions: self
                .interventions
                .iter()
                .map(|i| InterventionDoc {
                    node: i.node.clone(),
                    description: i.description.clone(),
                    cut: i.cut.clone(),
                })
                .collect(),
        };
        // Plain strings, numbers and expression trees: serialising cannot fail.
        serde_json::to_string(&doc).unwrap_or_default()
    }

    /// Reads a model written by [`Scm::to_json`], checking it as
    /// [`Scm::new`] does. `externals` gives back host-language equations.
    pub fn from_json(text: &str, externals: &mut ExternalResolver<'_>) -> Result<Scm, ScmError> {
        let doc: Doc = crate::json::from_str(text, "SCM JSON").map_err(|e| bad(e.to_string()))?;
        if doc.format != FORMAT {
            return Err(bad(format!("format {:?} is not {FORMAT:?}", doc.format)));
        }
        if doc.version != VERSION {
            return Err(bad(format!(
                "version {} is not supported (this engine reads version {VERSION})",
                doc.version
            )));
        }
        let mut index = HashMap::with_capacity(doc.variables.len());
        let mut names = Vec::with_capacity(doc.variables.len());
        for (i, v) in doc.variables.iter().enumerate() {
            if index.insert(v.name.clone(), i).is_some() {
                return Err(ScmError::DuplicateVariable {
                    name: v.name.clone(),
                });
            }
            names.push(v.name.clone());
        }
        let mut parents = Vec::with_capacity(names.len());
        let mut equations = Vec::with_capacity(names.len());
        let mut noises = Vec::with_capacity(names.len());
        for v in doc.variables {
            let mut ps = Vec::with_capacity(v.parents.len());
            for p in &v.parents {
                let j = *index.get(p).ok_or_else(|| ScmError::UnknownVariable {
                    name: p.clone(),
                    known: names.clone(),
                })?;
                if ps.contains(&j) {
                    return Err(bad(format!("edge {p} -> {} is given twice", v.name)));
                }
                ps.push(j);
            }
            let noise = match v.noise {
                NoiseDoc::None => Noise::None,
                NoiseDoc::Normal { mean, std } => Noise::Normal {
                    mean: mean.0,
                    std: std.0,
                },
                NoiseDoc::Uniform { low, high } => Noise::Uniform {
                    low: low.0,
                    high: high.0,
                },
                NoiseDoc::Empirical(xs) => Noise::empirical(xs.into_iter().map(|x| x.0).collect()),
            };
            check_noise(&v.name, &noise)?;
            let allowed: Vec<String> = ps.iter().map(|&j| names[j].clone()).collect();
            let equation = equation(&v.name, v.equation, &ps, &allowed, &index, externals)?;
            parents.push(ps);
            equations.push(equation);
            noises.push(noise);
        }
        let mut interventions = Vec::with_capacity(doc.interventions.len());
        for i in doc.interventions {
            if !index.contains_key(&i.node) {
                return Err(ScmError::UnknownVariable {
                    name: i.node,
                    known: names,
                });
            }
            interventions.push(Intervention {
                node: i.node,
                description: i.description,
                cut: i.cut,
            });
        }
        let order = topological_order(&names, &parents)?;
        Ok(Scm {
            names,
            index,
            parents,
            equations,
            noises,
            order,
            interventions,
        })
    }
}

fn equation(
    node: &str,
    doc: EqDoc,
    ps: &[usize],
    allowed: &[String],
    index: &HashMap<String, usize>,
    externals: &mut ExternalResolver<'_>,
) -> Result<Equation, ScmError> {
    Ok(match doc {
        EqDoc::Unfitted => Equation::Unfitted,
        EqDoc::Linear { intercept, coefs } => {
            if coefs.len() != ps.len() {
                return Err(ScmError::Shape {
                    what: format!("the coefficients of {node:?}"),
                    expected: ps.len(),
                    found: coefs.len(),
                });
            }
            Equation::Linear {
                intercept: intercept.0,
                coefs: coefs.into_iter().map(|c| c.0).collect(),
            }
        }
        EqDoc::Expr(e) => {
            if e.reads_value() {
                return Err(bad(format!("the equation of {node:?} reads value()")));
            }
            Equation::Expr(Arc::new(compile(node, e, index, allowed)?))
        }
        EqDoc::External { name, takes_noise } => {
            let function = externals(node, &name, takes_noise).ok_or_else(|| {
                bad(format!(
                    "the equation of {node:?} is the host function {name:?}, which was not given back"
                ))
            })?;
            Equation::External {
                function,
                takes_noise,
            }
        }
        EqDoc::Fixed(v) => {
            if !v.0.is_finite() || !ps.is_empty() {
                return Err(bad(format!(
                    "{node:?} is fixed by do() to {}, which needs a finite value and no parents",
                    v.0
                )));
            }
            Equation::Fixed(v.0)
        }
        EqDoc::Soft { base, expr } => {
            if !expr.columns().is_empty() {
                return Err(bad(format!(
                    "a soft intervention on {node:?} reads only its old value"
                )));
            }
            let base = equation(node, *base, ps, allowed, index, externals)?;
            Equation::Soft {
                base: Box::new(base),
                expr: Arc::new(compile(node, expr, index, &[])?),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scm::{Action, EquationSpec, NodeSpec};

    fn model() -> Scm {
        let x = Expr::col("x");
        Scm::new(vec![
            NodeSpec {
                name: "x".into(),
                parents: vec![],
                equation: EquationSpec::Linear {
                    intercept: 0.1,
                    coefs: vec![],
                },
                noise: Noise::Uniform {
                    low: -1.0,
                    high: 1.0,
                },
            },
            NodeSpec {
                name: "y".into(),
                parents: vec!["x".into()],
                equation: EquationSpec::Expr(x.clone().binary(
                    crate::expr::BinaryOp::Mul,
                    x.unary(crate::expr::UnaryOp::Abs),
                )),
                noise: Noise::empirical(vec![0.1, -0.3, 1.0 / 3.0]),
            },
        ])
        .expect("model")
    }

    #[test]
    fn json_round_trips_to_the_same_samples_and_counterfactuals() {
        let m = model()
            .intervene(&[(
                "y".into(),
                Action::Shift(Expr::value().binary(crate::expr::BinaryOp::Mul, Expr::lit(0.5))),
            )])
            .expect("do");
        let text = m.to_json();
        let back = Scm::from_json(&text, &mut |_, _, _| None).expect("reads");
        assert_eq!(back.to_json(), text);
        let a = m.sample(5000, 3).expect("sample");
        let b = back.sample(5000, 3).expect("sample");
        assert_eq!(a, b);
        assert_eq!(back.interventions(), m.interventions());
    }

    #[test]
    fn a_broken_document_is_a_precise_error() {
        let text = model().to_json();
        let unknown = text.replacen("\"parents\":[]", "\"parents\":[\"z\"]", 1);
        assert!(matches!(
            Scm::from_json(&unknown, &mut |_, _, _| None),
            Err(ScmError::UnknownVariable { .. })
        ));
        let wider = text.replacen("\"parents\":[]", "\"parents\":[\"y\"]", 1);
        assert!(matches!(
            Scm::from_json(&wider, &mut |_, _, _| None),
            Err(ScmError::Shape { .. })
        ));
        assert!(matches!(
            Scm::from_json("{\"format\": 1}", &mut |_, _, _| None),
            Err(ScmError::InvalidArgument { .. })
        ));
        let other = text.replace("causaloid.scm", "other");
        assert!(Scm::from_json(&other, &mut |_, _, _| None).is_err());
    }
}
