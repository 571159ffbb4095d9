"""The lesson each page exports (see ``ui.export``): its current settings written as gdinverse code."""

from __future__ import annotations

from gdinverse_app.ui.export import Cell, header, matrix_code
from gdinverse_app.ui.spec import MatrixSpec


def exact(spec: MatrixSpec) -> list[Cell]:
    return [
        *header("Exact inverse", "The inverse by `torch.linalg.inv` in float32 and float64, and how each checks."),
        ("markdown", "## The matrix"),
        ("code", f"A = {matrix_code(spec)}\nprint(A)"),
        ("markdown", "## Its inverse, in both precisions\n\nThe check is `inverse @ M`, which should be I. Rounding "
         "errors of size eps (1.2e-7 in float32, 2.2e-16 in float64) can grow by up to the condition number κ. "
         "The matrix is built in each precision."),
        ("code", f"""for dtype in ("float32", "float64"):
    try:
        result = g.exact_inverse({matrix_code(spec, "dtype")})
    except g.GdInverseError as error:
        print(f"{{dtype}}: {{error}}")
        continue
    print(f"{{dtype}}: determinant {{result.determinant:.6g}}, condition number {{result.condition_number:.4g}}, "
          f"max |inverse @ M - I| {{result.max_error:.3g}}")
    print(result.inverse)"""),
        ("markdown", "## The pseudo-inverse\n\nIt exists for every matrix, singular and non-square ones included."),
        ("code", f"print(g.pseudo_inverse({matrix_code(spec, repr('float64'))}))"),
        ("figure", 'plots.heatmap(A, title="M")'),
    ]  # fmt: skip


def descent(spec: MatrixSpec, lr: float, steps: int, seed: int, every: int, init: str, dtype: str) -> list[Cell]:
    call = (
        f"result = g.gd_inverse(A, lr={lr!r}, steps={steps}, seed={seed}, record_every={every}, init={init!r}, "
        f"dtype={dtype!r}, max_snapshots=51)"
    )
    return [
        *header("Gradient descent", "Learn the inverse by gradient descent on mean((X @ M − I)²), as the app did."),
        ("markdown", "## The matrix and its learning rates\n\nPlain gradient descent converges for 0 < lr < k²/σ_max²; "
         "k²/(σ_min² + σ_max²) is the best constant rate."),
        ("code", f"A = {matrix_code(spec, repr(dtype))}\nbounds = g.lr_bounds(A)\n"
         'print(f"stable below {bounds.stable_below:.4g}, optimal {bounds.optimal:.4g}")'),
        ("markdown", "## The run\n\nThe loss after every recorded step, and the residual X @ M − I at 2 decimals, "
         "as the seed notebook printed them."),
        ("code", call + """
for step in result.snapshots:
    print(f"{step} : {result.losses[step]:.4e}")
print(result.message)"""),
        ("markdown", "## Against the exact answer"),
        ("code", f"""name, reference = g.best_inverse(A, dtype={dtype!r})
print(f"‖X − {{name}}‖ / ‖{{name}}‖ = {{result.distance_to(reference):.3g}}")"""),
        ("markdown", "## The pictures\n\nThe loss with the theory dashed over it, and the residual fading."),
        ("figure", "theory = g.predicted_losses(A, lr=result.lr, steps=result.steps, X0=result.snapshots[0])\n"
         "plots.loss_curve(result.losses, marks=list(result.snapshots), predicted=theory[: result.losses.size])"),
        ("figure", "plots.residual_grid(result)"),
        ("figure", "plots.residual_animation(result)"),
    ]  # fmt: skip


def indicator(source: str, docs: int, words: int, p: float, seed: int, text: str) -> list[Cell]:
    if source == "random":
        build = f"M = g.indicator_matrix({docs}, {words}, p={p!r}, seed={seed})"
    else:
        build = f"dtm = g.document_term_matrix({text!r})\nM = dtm.matrix\nprint(dtm.vocabulary)"
    return [
        *header("Indicator matrix", "Which words are in which documents, as a 0/1 matrix."),
        ("markdown", "## The matrix"),
        ("code", build + "\nprint(M)"),
        ("markdown", "## What it holds\n\nA left inverse X (X @ M = I) exists when the rank is the number of words."),
        ("code", """stats = g.indicator_stats(M)
print(f"{M.shape[0]} × {M.shape[1]}, density {stats.density:.3f}, rank {stats.rank}, "
      f"empty documents {len(stats.empty_documents)}, unused words {len(stats.unused_words)}")"""),
        ("markdown", "## Its left inverse by gradient descent\n\nFrom zeros, descent finds the pseudo-inverse."),
        ("code", """result = g.gd_inverse(M, init="zeros", steps=2000, record_every=500)
print(result.message)
print(f"distance to the pseudo-inverse: {result.distance_to(g.pseudo_inverse(M)):.3g}")"""),
        ("figure", "plots.indicator_heatmap(M)"),
    ]  # fmt: skip


def compare(spec: MatrixSpec, methods: list[str], steps: int, seed: int, init: str, dtype: str, tol: float,
            adam_lr: float, sweep_steps: int, sweep_count: int) -> list[Cell]:  # fmt: skip
    return [
        *header("Compare", "Several methods race on the same matrix, and a sweep of learning rates meets the theory."),
        ("code", f"A = {matrix_code(spec, repr(dtype))}"),
        ("markdown", "## The race\n\n'steps to tol' is the first step after which the loss *stays* below the "
         "tolerance; 'first below' is the first dip, which can be a false win."),
        ("code", f"""results = g.race(A, {methods!r}, steps={steps}, seed={seed}, init={init!r}, dtype={dtype!r},
                 lrs={{"adam": {adam_lr!r}}})
for row in g.race_table(results, tol={tol!r}):
    print(f"{{row.method}}: steps to tol {{row.steps_to_tolerance}}, first below {{row.first_below}}, "
          f"final loss {{row.final_loss:.3g}}, error {{row.error:.3g}}")"""),
        ("figure", 'plots.race_figure(results, x="step")'),
        ("markdown", "## The learning-rate sweep\n\nThe seed notebook's `lrs = np.log(np.logspace(...))` was a "
         "constant; here the lr itself is swept, all runs at once."),
        ("code", f"""bounds = g.lr_bounds(A)
sweep = g.lr_sweep(A, bounds.grid({sweep_count}), steps={sweep_steps}, seed={seed}, init={init!r}, dtype={dtype!r})
best = sweep.lrs[sweep.final_losses.argmin()]
print(f"best lr {{best:.4g}}, optimal {{bounds.optimal:.4g}}, stable below {{bounds.stable_below:.4g}}, "
      f"diverged {{int(sweep.diverged.sum())}} of {{sweep.lrs.size}}")"""),
        ("figure", "plots.sweep_figure(sweep, bounds=bounds, predicted=sweep.predicted)"),
    ]  # fmt: skip
