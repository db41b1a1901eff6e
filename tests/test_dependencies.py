"""Every dependency imports together on one numpy (the hazm/numpy trap in pyproject.toml)."""

import importlib

import pytest

MODULES = [
    "torch", "sentence_transformers", "transformers", "safetensors", "pdfplumber", "pypdfium2",
    "bidi", "trafilatura", "pytesseract", "opencc", "langdetect", "numpy", "pandas", "pyarrow",
    "pyarrow.parquet", "duckdb", "faiss", "yaml", "pydantic", "tqdm", "hazm", "fastapi", "uvicorn",
    "onnx", "onnxruntime", "onnxruntime.transformers.optimizer", "onnxruntime.quantization", "openvino",
]


@pytest.mark.parametrize("name", MODULES)
def test_imports(name):
    importlib.import_module(name)


def test_one_numpy_for_all():
    import numpy
    import pyarrow as pa

    assert int(numpy.__version__.split(".")[0]) >= 2
    # pyarrow built against numpy 2 must convert both ways without error.
    arr = pa.array(numpy.arange(3, dtype=numpy.float32))
    assert arr.to_numpy().tolist() == [0.0, 1.0, 2.0]


def test_hazm_normalizer_works_on_numpy_2():
    import hazm

    normalizer = hazm.Normalizer(persian_numbers=False, persian_style=False)
    assert normalizer.normalize("كتاب عربي") == "کتاب عربی"


def test_torch_is_the_cpu_build():
    import torch

    assert torch.__version__.startswith("2.13.0")
    assert not torch.cuda.is_available()
