"""The package imports and exposes its native engine."""

import causaloid as cl


def test_package_exposes_version_from_native_engine():
    assert cl.__version__ == cl._native.__version__
    assert isinstance(cl.__version__, str) and cl.__version__.count(".") == 2


def test_errors_carry_structured_detail():
    err = cl.errors.UnknownNodeError("unknown node id 7", {"node_id": 7})
    assert isinstance(err, cl.CausalError) and isinstance(err, KeyError)
    assert err.node_id == 7 and str(err) == "unknown node id 7"
