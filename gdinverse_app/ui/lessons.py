"""The lesson each page exports (see ``ui.export``): its current settings written as gdinverse code."""

from __future__ import annotations

from gdinverse import exercises as gdinverse_exercises
from gdinverse_app.models import exercises as sheets
from gdinverse_app.requests import MatrixSpec
from gdinverse_app.ui.export import Cell, header, matrix_code


def exact(spec: MatrixSpec) -> list[Cell]:
    entered = matrix_code(spec, repr("float64"))
    return [
        *header("Exact inverse", "The inverse by `torch.linalg.inv` in float32 and float64, what the condition "
                "number guarantees, and what each check measures."),
        ("markdown", "## The matrix\n\nBuilt in float64, as entered: its condition number κ is that of these values, "
         "and each precision inverts them rounded to itself."),
        ("code", f"M = {entered}\nprint(M)\n"
         'print(f"condition number {g.format_condition(g.condition_number(M))}")'),
        ("markdown", "## Which inverse it has\n\nA square matrix of full rank has an inverse; a tall one of full "
         "column rank a left inverse, a wide one of full row rank a right inverse; otherwise only the pseudo-inverse."),
        ("code", "found = g.one_sided_inverse(M, dtype='float64')\nprint(found.description)"),
        ("markdown", "## Its inverse, in both precisions\n\nThe check is `inverse @ M`, which should be I. Rounding "
         "errors of size eps (1.2e-7 in float32, 2.2e-16 in float64) can grow by up to κ: the bound guarantees about "
         "−log10(eps·κ) correct digits, and none once eps·κ ≥ 1."),
        ("code", """if M.shape[0] == M.shape[1]:
    for dtype in ("float32", "float64"):
        try:
            result = g.exact_inverse(M, dtype=dtype)
        except g.GdInverseError as error:
            print(f"{dtype}: {error}")
            continue
        digits = "none" if result.ill_conditioned else f"{result.trusted_digits:.1f}"
        print(f"{dtype}: bound eps*kappa {result.error_bound:.2g}, digits guaranteed {digits}, "
              f"max |inverse @ M - I| {result.max_error:.2g}")
        print(result.inverse)"""),
        ("markdown", "## The pseudo-inverse\n\nIt exists for every matrix, singular and non-square ones included."),
        ("code", "print(g.pseudo_inverse(M))"),
        ("figure", 'plots.heatmap(M, title="M")'),
    ]  # fmt: skip


def descent(spec: MatrixSpec, lr: float, steps: int, seed: int, every: int, init: str, dtype: str) -> list[Cell]:
    call = (
        f"result = g.gd_inverse(M, lr={lr!r}, steps={steps}, seed={seed}, record_every={every}, init={init!r}, "
        f"dtype={dtype!r}, max_snapshots=51)"
    )
    return [
        *header("Gradient descent", "Learn the inverse by gradient descent on mean((X @ M − I)²), as the app did."),
        ("markdown", "## The matrix and its learning rates\n\nPlain gradient descent converges for 0 < lr < k²/σ_max²; "
         "k²/(σ_min² + σ_max²) is the best constant rate."),
        ("code", f"M = {matrix_code(spec, repr('float64'))}  # as entered; the run rounds it to {dtype}\n"
         f"bounds = g.lr_bounds(M, dtype={dtype!r})\n"
         'print(f"stable below {bounds.stable_below:.4g}, optimal {bounds.optimal:.4g}")'),
        ("markdown", "## The run\n\nThe loss after every recorded step, and the residual X @ M − I at 2 decimals, "
         "as the seed notebook printed them."),
        ("code", call + """
for step in result.snapshots:
    print(f"{step} : {result.losses[step]:.4e}")
print(result.message)"""),
        ("markdown", "## Against the exact answer"),
        ("code", """name, reference = g.best_inverse(M, dtype="float64")
print(f"‖X − {name}‖ / ‖{name}‖ = {result.distance_to(reference):.3g}")"""),
        ("markdown", "## The pictures\n\nThe loss with the theory dashed over it, and the residual fading."),
        ("figure", "theory = g.predicted_losses(result.matrix, lr=result.lr, steps=result.steps, "
         "X0=result.snapshots[0])\n"
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
        ("code", f"M = {matrix_code(spec, repr('float64'))}  # as entered; the runs round it to {dtype}"),
        ("markdown", "## The race\n\n'steps to tol' is the first step after which the loss *stays* below the "
         "tolerance; 'first below' is the first dip, which can be a false win."),
        ("code", f"""results = g.race(M, {methods!r}, steps={steps}, seed={seed}, init={init!r}, dtype={dtype!r},
                 lrs={{"adam": {adam_lr!r}}})
for row in g.race_table(results, tol={tol!r}, matrix=M):
    print(f"{{row.method}}: steps to tol {{row.steps_to_tolerance}}, first below {{row.first_below}}, "
          f"final loss {{row.final_loss:.3g}}, error {{row.error:.3g}}")"""),
        ("figure", 'plots.race_figure(results, x="step")'),
        ("markdown", "## The learning-rate sweep\n\nThe seed notebook's `lrs = np.log(np.logspace(...))` was a "
         "constant; here the lr itself is swept, all runs at once."),
        ("code", f"""bounds = g.lr_bounds(M, dtype={dtype!r})
sweep = g.lr_sweep(M, bounds.grid({sweep_count}), steps={sweep_steps}, seed={seed}, init={init!r}, dtype={dtype!r})
best = sweep.lrs[sweep.final_losses.argmin()]
print(f"best lr {{best:.4g}}, optimal {{bounds.optimal:.4g}}, stable below {{bounds.stable_below:.4g}}, "
      f"diverged {{int(sweep.diverged.sum())}} of {{sweep.lrs.size}}")"""),
        ("figure", "plots.sweep_figure(sweep, bounds=bounds, predicted=sweep.predicted)"),
    ]  # fmt: skip


def exercises(seed: int, count: int) -> list[Cell]:
    """The sheet as the teacher's lesson notebook: each question, the hint a wrong answer gets, its experiments (the
    runs on both sides of the answer) run and drawn, then the answer."""
    cells = header(
        f"Exercise sheet {seed}",
        "The teacher's notebook: each question, the hint a wrong answer gets, the experiments on both sides of the "
        "answer, and the answer with why.",
    )
    cells.append(
        ("code", f"from gdinverse import exercises, theory_plots\n\nsheet = exercises.sheet({seed!r}, {count!r})")
    )
    for number, question in enumerate(sheets.sheet(seed, count), start=1):
        title = gdinverse_exercises.KINDS[question.kind].capitalize()
        cells.append(("markdown", f"## {number}. {title}\n\n{question.prompt}"))
        if question.hint:
            cells.append(("markdown", f"**Hint** (after a wrong answer): {question.hint}"))
        q = f"sheet[{number - 1}]"
        if question.kind == "float32_digits":
            cells.append(("code", f"M = g.as_matrix({q}.matrix)\n"
                          "print('float32 inverse:', g.exact_inverse(M).inverse)\n"
                          "print('float64 inverse:', g.exact_inverse(M, dtype='float64').inverse)"))  # fmt: skip
        else:
            run = f"""runs = [g.gd_inverse({q}.matrix, **experiment.kwargs()) for experiment in {q}.experiments]
for experiment, run in zip({q}.experiments, runs):
    print(experiment.caption)
    end = f"diverged at step {{run.stopped_at}}" if run.diverged else f"{{run.verdict.status}} ({{run.steps}} steps)"
    print(f"  lr = {{run.lr:.4g}}: {{end}}; the loss went from {{run.losses[0]:.4g}} to {{run.final_loss:.3g}}")"""
            cells.append(("code", run))
            if question.kind == "slowest":
                draw = f"theory_plots.direction_figure(g.direction_view({q}.matrix, run))"
            else:
                draw = 'plots.loss_curve(run.losses, marks=list(run.snapshots), title=f"Loss at lr = {run.lr:.4g}")'
            cells.append(("figure", f"for run in runs:\n    {draw}.show()"))
        cells.append(("code", f"print('Answer:', {q}.answer)\nprint({q}.explanation)"))
    return cells
