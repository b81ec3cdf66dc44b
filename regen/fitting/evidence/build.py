"""Command line of the evidence model: ``python -m regen.fitting.evidence build|validate|all`` (in a checkout).

- ``build``: fit the mechanism (with and without the partial-lesion term) and the relief law by NUTS (4 chains),
  fail on R-hat > 1.01 or any divergence, and write ``models/evidence_summary.json`` and ``models/evidence_summary.md``
  (an existing ``validation`` section is kept only if it was computed on the same data).
- ``validate``: leave-one-study-out refits of both parts (progress on stderr); adds ``validation`` to the JSON.
- ``all``: both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the checkout (regen/fitting/evidence -> .)
OUT_JSON = ROOT / "models" / "evidence_summary.json"
OUT_MD = ROOT / "models" / "evidence_summary.md"
VERSION = "evidence-2026.12.2"
INPUTS = ("data/human_sensation.csv", "data/studies.csv", "data/indications.csv", "data/nerves.csv")


def data_hash() -> str:
    from regen.utils.resources import data_path

    h = hashlib.sha256()
    for name in INPUTS:
        h.update(data_path(name.removeprefix("data/")).read_bytes())
    return h.hexdigest()


def check_checkout() -> None:
    """The build writes the shipped files of a source checkout (never into an installed package)."""
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "models").is_dir():
        raise SystemExit(
            "the evidence build writes models/ and data/ of a source checkout: run it from one "
            "(python -m regen.fitting.evidence build), not from an installed regen"
        )


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def settings(quick: bool) -> dict:
    return {"warmup": 300, "samples": 300, "chains": 4} if quick else {"warmup": 1000, "samples": 1000, "chains": 4}


def mechanism_start(run, deterministic: tuple[str, ...] = ("row_loglik",)) -> dict:
    """Posterior medians of the sampled sites (the start of sensitivity and leave-one-out refits)."""
    import jax.numpy as jnp
    import numpy as np

    return {k: jnp.asarray(np.median(run.flat(k), axis=0)) for k in run.samples if k not in deterministic}


def relief_start(run) -> dict:
    """Posterior medians of the relief model's sampled sites (the start of its leave-one-out refits)."""
    from regen.fitting.evidence import models

    return mechanism_start(run, models.relief_deterministic(models.RELIEF_OPTIONS))


def options_record() -> dict:
    """The shipped relief model's structural options (validation is kept only for the same options)."""
    from dataclasses import asdict

    from regen.fitting.evidence.models import RELIEF_OPTIONS

    return asdict(RELIEF_OPTIONS)


def fit_all(chain_method: str, quick: bool, seed: int = 0):
    """The three MCMC runs and the data they used."""
    from functools import partial

    import jax.numpy as jnp

    from regen.fitting.evidence import data, inference, models, summaries

    st = settings(quick)
    md = data.mechanism_data()
    marr = models.mechanism_arrays(md)
    w = jnp.ones(len(md.ids))
    mech_sampler = inference.Sampler(
        partial(models.mechanism_model, partial=True), chain_method=chain_method, target_accept=0.99, **st
    )
    mech = mech_sampler.run(seed, marr, w)
    _progress(
        f"mechanism: {mech.seconds:.0f} s, R-hat {mech.diagnostics['rhat_max']:.3f}, "
        f"divergences {mech.diagnostics['divergences']}"
    )
    start = mechanism_start(mech)
    nop_sampler = inference.Sampler(
        partial(models.mechanism_model, partial=False),
        chain_method=chain_method,
        target_accept=0.99,
        init={k: v for k, v in start.items() if k != "log_partial_lesion"},
        **st,
    )
    nop = nop_sampler.run(seed + 1, marr, w)
    _progress(f"mechanism without the partial-lesion term: {nop.seconds:.0f} s")
    nerves, indications = data.catalog()
    point = summaries.mechanism_point(mech)
    x = summaries.catalog_x(point, nerves)
    rd = data.relief_data(x)
    rarr = models.relief_arrays(rd)
    rel_sampler = inference.Sampler(
        partial(models.relief_model, opts=models.RELIEF_OPTIONS), chain_method=chain_method, target_accept=0.99, **st
    )
    rel = rel_sampler.run(seed + 2, rarr, jnp.ones(len(rd.g_study)), jnp.ones(len(rd.d_study)))
    _progress(
        f"relief: {rel.seconds:.0f} s, R-hat {rel.diagnostics['rhat_max']:.3f}, "
        f"divergences {rel.diagnostics['divergences']}"
    )
    return {
        "md": md,
        "marr": marr,
        "mech": mech,
        "nop": nop,
        "mech_sampler": mech_sampler,
        "rd": rd,
        "rarr": rarr,
        "rel": rel,
        "rel_sampler": rel_sampler,
        "x": x,
        "point": point,
        "nerves": nerves,
        "indications": indications,
    }


def assemble(f: dict, seconds: float, chain_method: str) -> dict:
    from regen.fitting.evidence import checks, inference, priors, summaries

    teen = checks.teenager(f["point"], f["nerves"])
    from regen.fitting.evidence.models import RELIEF_OPTIONS

    relief, approx = summaries.relief_section(f["rel"], f["rd"], f["indications"], opts=RELIEF_OPTIONS)
    diag = {
        name: {k: v for k, v in f[key].diagnostics.items()} | {"seconds": f[key].seconds}
        for name, key in (("mechanism", "mech"), ("mechanism_without_partial_lesion", "nop"), ("relief", "rel"))
    }
    failures = [line for n in diag for line in inference.check(diag[n], n)]
    out = {
        "format": "regen-evidence-summary",
        "format_version": 1,
        "version": VERSION,
        "data_sha256": data_hash(),
        "inputs": list(INPUTS),
        "mechanism": summaries.mechanism_section(f["mech"], f["nop"], teen),
        "catalog_x_age50": f["x"],
        "relief": relief,
        "posterior_approx": approx,
        "post_operative_check": checks.post_operative(relief, f["x"], f["nerves"], f["indications"]),
        "catalog_forecasts": checks.catalog_forecasts(relief, f["point"], f["nerves"], f["indications"]),
        "diagnostics": diag
        | {"failures": failures, "chain_method": chain_method, "rule": "R-hat <= 1.01, 0 divergences"},
        "priors": priors.table(options_record()),
        "build_seconds": seconds,
        "relief_options": options_record(),
    }
    return out


def write(out: dict) -> None:
    from regen.fitting.evidence import params, report, validation

    if "validation" in out:
        out["validation"]["variants_tried"] = validation.VARIANTS_TRIED

    OUT_JSON.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    OUT_MD.write_text(report.markdown(out), encoding="utf-8")
    params.update_csv(out)
    params.update_md(report.markdown(out, compact=True))


def validate_parts(f, parts, quick: bool, seed: int, chain_method: str, keep: dict, progress) -> dict:
    """Leave-one-study-out refits of ``parts`` from the full fits ``f`` (:func:`fit_all`); ``keep``: parts kept."""
    from functools import partial

    from regen.fitting.evidence import inference, models, validation

    st = settings(quick)  # as long as the build's fits: shorter refits missed the R-hat rule (1.011-1.030 at 400 + 400)
    ms = inference.Sampler(
        partial(models.mechanism_model, partial=True),
        chain_method=chain_method,
        target_accept=0.99,
        init=mechanism_start(f["mech"]),
        **st,
    )
    rs = inference.Sampler(
        partial(models.relief_model, opts=models.RELIEF_OPTIONS),
        chain_method=chain_method,
        target_accept=0.99,
        init=relief_start(f["rel"]),
        **st,
    )
    out = dict(keep)
    if "sensation" in parts:
        out["sensation"] = validation.sensation_loso(ms, f["marr"], f["md"], seed, progress)
    if "relief" in parts:
        out["relief"] = validation.relief_loso(rs, f["rarr"], f["rd"], seed, progress, models.RELIEF_OPTIONS)
    settings_ = st | {"target_accept": 0.99, "init": "full-data posterior median of every sampled site"}
    return {"parts": out, "seconds": sum(p["seconds"] for p in out.values()), "settings": settings_}


def refit_validation(parts=("sensation", "relief"), quick: bool = False, seed: int = 0, progress=_progress) -> dict:
    """Fit the evidence model on the shipped tables and validate ``parts`` leaving each study out (nothing written).

    The function behind ``regen validate --refit``; needs the ``bayes`` extra and takes long (about an hour on two
    cores); ``progress`` gets one line per refit.
    """
    import numpyro

    numpyro.set_host_device_count(4)
    f = fit_all("parallel", quick, seed)
    result = validate_parts(f, parts, quick, seed, "parallel", {}, progress)
    return {**result, "data_sha256": data_hash()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regen.fitting.evidence", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "validate", "all"])
    parser.add_argument("--chain-method", default="parallel", choices=["parallel", "vectorized", "sequential"])
    parser.add_argument("--quick", action="store_true", help="short chains (smoke test; not for shipping)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["sensation", "relief"],
        choices=["sensation", "relief"],
        help="validate: which parts to refit (the others are kept from the JSON if the data match)",
    )
    args = parser.parse_args(argv)
    check_checkout()
    import numpyro

    numpyro.set_host_device_count(4)  # 4 chains in parallel on the 2 cores (measured faster than vectorized)
    start = time.perf_counter()
    f = fit_all(args.chain_method, args.quick, args.seed)
    out = assemble(f, time.perf_counter() - start, args.chain_method)
    old = json.loads(OUT_JSON.read_text()) if OUT_JSON.exists() else {}
    same_model = old.get("validation", {}).get("relief_options") == options_record()
    if old.get("data_sha256") == out["data_sha256"] and "validation" in old and same_model and args.command == "build":
        out["validation"] = old["validation"]
    if args.command in ("validate", "all"):
        keep = (
            old.get("validation", {}).get("parts", {})
            if old.get("data_sha256") == out["data_sha256"] and same_model
            else {}
        )
        out["validation"] = validate_parts(f, args.parts, args.quick, args.seed, args.chain_method, keep, _progress)
        out["validation"]["data_sha256"] = out["data_sha256"]
        out["validation"]["relief_options"] = options_record()
    write(out)
    for line in out["diagnostics"]["failures"]:
        _progress("FAIL " + line)
    _progress(f"wrote {OUT_JSON.relative_to(ROOT)} in {time.perf_counter() - start:.0f} s")
    return 1 if out["diagnostics"]["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
