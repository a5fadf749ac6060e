"""The ethos: deontic norms that vet proposed actions, resolved defeasibly."""

from causaloid.ethos import errors
from causaloid.ethos.ethos import CALCULI, Choice, DeonticVerdict, Ethos
from causaloid.ethos.norm import Modality, Norm

__all__ = ["CALCULI", "Choice", "DeonticVerdict", "Ethos", "Modality", "Norm", "errors"]
