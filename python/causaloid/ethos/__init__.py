"""The ethos: deontic norms that vet proposed actions, resolved defeasibly."""

from causaloid.ethos import errors
from causaloid.ethos.ethos import DeonticVerdict, Ethos
from causaloid.ethos.norm import Modality, Norm

__all__ = ["DeonticVerdict", "Ethos", "Modality", "Norm", "errors"]
