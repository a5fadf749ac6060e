"""Models: a causaloid, its contexts and its assumptions; plus observation and
inference summaries over batches of evaluations."""

from causaloid.model import ops
from causaloid.model.assumption import Assumption, AssumptionReport, AssumptionResult
from causaloid.model.inference import Inference, Observations, infer, observe
from causaloid.model.model import Model

__all__ = [
    "Assumption",
    "AssumptionReport",
    "AssumptionResult",
    "Inference",
    "Model",
    "Observations",
    "infer",
    "observe",
    "ops",
]
