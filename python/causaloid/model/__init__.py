"""Models: a causaloid, its contexts, its assumptions and its ethos; plus observation and
inference summaries over batches of evaluations."""

from causaloid.model import ops
from causaloid.model.assumption import Assumption, AssumptionReport, AssumptionResult
from causaloid.model.inference import Inference, Observations, infer, observe
from causaloid.model.model import Model, Vetting

__all__ = [
    "Assumption",
    "AssumptionReport",
    "AssumptionResult",
    "Inference",
    "Model",
    "Observations",
    "Vetting",
    "infer",
    "observe",
    "ops",
]
