"""A batch result that costs little to write (issue 26, point 2): the repeated text columns are dictionary-encoded in
the Parquet file and read back as the same values; a batch run imports nothing it does not use — not pandas (which
pyarrow imports at its first `to_numpy`, `pa.array` or `pa.scalar`: medrules/tables/arrow.py goes through the
buffers instead), not matplotlib, not tqdm on a short run — and `reform` imports matplotlib only with --chart."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _wenzhou import REPO

from medrules.tables import arrow
from medrules.tables.claims_file import read_claims
from medrules.tables.output import result_table, write_parquet
from medrules.tables.settle import evaluate_table

POLICY = "wenzhou-2021-78"
SMALL = REPO / "examples" / "claims-small.csv"
INPUTS = {"critical_illness_base_deductible": "30000"}

# Run in a fresh interpreter: which modules a whole command loaded, printed as JSON after it ends.
MODULES_AFTER = ("import json, sys\nfrom medrules.cli.main import main\nrc = main(sys.argv[1:])\n"
                 "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
                 "sys.exit(rc)")


def modules_loaded(tmp_path, *args) -> set[str]:
    done = subprocess.run([sys.executable, "-c", MODULES_AFTER, *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.fixture
def inputs(tmp_path):
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(INPUTS), encoding="utf-8")
    return path


@pytest.mark.parametrize("claims", ["csv", "parquet"])
def test_a_batch_run_imports_neither_pandas_nor_matplotlib_nor_tqdm(tmp_path, inputs, claims):
    src = SMALL
    if claims == "parquet":
        src = tmp_path / "claims.parquet"
        from pyarrow import csv as pacsv
        names = SMALL.read_text(encoding="utf-8").splitlines()[0].split(",")
        table = pacsv.read_csv(SMALL, convert_options=pacsv.ConvertOptions(
            strings_can_be_null=True, column_types={name: pa.string() for name in names}))
        pq.write_table(table.set_column(1, "category", table.column("category").dictionary_encode()), src)
    loaded = modules_loaded(tmp_path, "batch", "--policy", POLICY, str(src), "--out", str(tmp_path / "r.parquet"),
                            "--inputs", str(inputs))
    assert "pyarrow" in loaded and "numpy" in loaded   # the run did read and write
    assert not loaded & {"pandas", "matplotlib", "tqdm", "dask"}
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 6


def test_a_national_layout_run_with_an_identity_table_imports_no_pandas_either(tmp_path, inputs):
    examples = REPO / "examples"
    loaded = modules_loaded(tmp_path, "batch", "--layout", "nhsa", "--codes", str(examples / "nhsa-codes.yaml"),
                            "--policy", POLICY, str(examples / "nhsa-settlements.csv"), "--people",
                            str(examples / "nhsa-people.csv"), "--out", str(tmp_path / "r.parquet"),
                            "--inputs", str(inputs))
    assert not loaded & {"pandas", "matplotlib", "tqdm", "dask"}
    assert pq.read_table(tmp_path / "r.parquet").num_rows == len(
        (examples / "nhsa-settlements.csv").read_text(encoding="utf-8").splitlines()) - 1


def test_reform_imports_matplotlib_only_to_draw_a_chart(tmp_path, inputs):
    args = ["reform", "--policy", POLICY, str(SMALL), "--change", str(REPO / "examples" / "reform-wenzhou-limit.yaml"),
            "--out", str(tmp_path / "diff.parquet"), "--inputs", str(inputs)]
    assert "matplotlib" not in modules_loaded(tmp_path, *args)
    assert "matplotlib" in modules_loaded(tmp_path, *args, "--chart", str(tmp_path / "chart.png"))


def test_the_written_result_reads_back_as_the_table_with_its_text_dictionary_encoded(tmp_path):
    t = read_claims(SMALL)
    table = result_table(t, evaluate_table(t, POLICY, INPUTS), POLICY)
    write_parquet(table, tmp_path / "r.parquet")
    back = pq.read_table(tmp_path / "r.parquet")
    assert back.equals(table) and back.schema.metadata == table.schema.metadata
    # further relief is settled 0 either way on that claim (issue 22): only the supplementary insurance waits
    assert back.column("undetermined").to_pylist()[0].startswith("商业补充保险待定：")
    meta = pq.ParquetFile(tmp_path / "r.parquet").metadata.row_group(0)
    encodings = {meta.column(k).path_in_schema: set(meta.column(k).encodings) for k in range(meta.num_columns)}
    for text in ("person_id", "setting", "undetermined"):
        assert "RLE_DICTIONARY" in encodings[text], (text, encodings[text])
    assert "DELTA_BINARY_PACKED" in encodings["medical_assistance"] and "DELTA_BINARY_PACKED" in encodings["row"]


def test_columns_through_their_buffers_equal_pyarrows_own_conversion():
    rng = np.random.default_rng(3)
    n = 1000
    present = rng.random(n) < 0.8
    for values, arrow_type in ((rng.integers(-5, 5, n), pa.int64()), (rng.integers(0, 100, n), pa.int32()),
                               (rng.integers(0, 3, n), pa.int8()), (rng.random(n) < 0.5, pa.bool_()),
                               (np.datetime64("2023-01-01") + rng.integers(0, 900, n), pa.date32())):
        built = arrow.arrow_of(values, arrow_type, present)
        expected = pa.array(values, type=arrow_type, mask=~present)
        assert built.equals(expected), arrow_type
        for start, stop in ((0, n), (7, 513), (n - 9, n)):   # slices start inside a byte of the bitmaps
            part = expected.slice(start, stop - start)
            assert np.array_equal(arrow.valid(part), present[start:stop])
            got = arrow.dates(part) if arrow_type == pa.date32() else arrow.values(part)
            assert np.array_equal(got[present[start:stop]], values[start:stop][present[start:stop]])
            assert np.array_equal(arrow.filled(pa.array(np.arange(start, stop), mask=~present[start:stop]), -1),
                                  np.where(present[start:stop], np.arange(start, stop), -1))
    assert arrow.strings(["低保", "", "tekun"]).equals(pa.array(["低保", "", "tekun"]))
