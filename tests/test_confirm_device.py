"""--confirm on a CUDA machine: a failure of the device is not the model's answer.

A kernel's assert (an index out of range on CUDA reads "device-side assert triggered",
naming no cause), or a tensor the model makes on the CPU meeting the model on CUDA
(``torch.zeros(1, B, H)`` as ``h0``; lengths for ``pack_padded_sequence`` that must stay on
the CPU): each said nothing of shapes, yet a rule read the crash at its line as its own
(an H200 run confirmed an LST305 by "Input and hidden tensors are not at the same
device").  The job is repeated on the CPU and the evidence says why.  The CUDA side is
stood in for here (CI has no GPU); the device check itself ran on an H200.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_lint import confirm_child
from lstm_lint.confirm_child import device_failure, run_request


@pytest.mark.parametrize("message", [
    "CUDA error: device-side assert triggered\nCUDA kernel errors might be asynchronously "
    "reported",
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 "
    "and cpu!",
    "Input and hidden tensors are not at the same device, found input tensor at cuda:0 and "
    "hidden tensor at cpu",
    "'lengths' argument should be a 1D CPU int64 tensor, but got 1D cuda:0 Long tensor",
])
def test_failures_of_the_device_are_recognised(message):
    said = device_failure({"error": {"type": "RuntimeError", "message": message}})
    assert said is not None and said.startswith("RuntimeError (")


@pytest.mark.parametrize("message", [
    "mat1 and mat2 shapes cannot be multiplied (3x32 and 16x3)",
    "Expected hidden[0] size (1, 3, 20), got [1, 7, 20]",
    "input.size(-1) must be equal to input_size. Expected 10, got 12",
    "index out of range in self",
])
def test_shape_errors_are_not_failures_of_the_device(message):
    assert device_failure({"error": {"type": "RuntimeError", "message": message}}) is None


def test_a_job_that_fails_on_the_device_is_repeated_on_the_cpu(tmp_path: Path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text("X = 1\n")

    def fake_run_class(mod, creq, path, on):
        if on.startswith("cuda"):
            return {"class": creq["class"], "method": "eager",
                    "error": {"type": "AcceleratorError", "line": 13, "stage": "forward",
                              "message": "CUDA error: device-side assert triggered"}}
        return {"class": creq["class"], "method": "eager", "ops": [], "error": {
            "type": "IndexError", "line": 13, "stage": "forward",
            "message": "index out of range in self"}}

    monkeypatch.setattr(confirm_child, "run_class", fake_run_class)
    out = run_request({"path": str(src), "device": "cuda:0", "classes": [{"class": "Net"}]},
                      str(tmp_path / "res.json"))
    [r] = out["classes"]
    assert r["error"]["message"] == "index out of range in self"
    assert r["device"] == "cpu"
    assert r["device_note"] == ("on cuda:0 the run raised AcceleratorError (CUDA error: "
                                "device-side assert triggered), a failure of the device, not "
                                "of shapes; it was repeated on the CPU")
    # on the CPU, or for an error of shapes, one run
    out = run_request({"path": str(src), "device": "cpu", "classes": [{"class": "Net"}]},
                      str(tmp_path / "res2.json"))
    assert "device_note" not in out["classes"][0]
    assert json.dumps(out)  # plain data for the parent
