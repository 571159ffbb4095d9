"""Exercise sheets: every answer against an independent computation, determinism, and the answer checks."""

import math
import re
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

import gdinverse as g
from gdinverse.exercises import EPS32, KINDS, Experiment, Question, sheet, sheet_markdown

SEEDS = range(12)


def questions(kind):
    """Every question of ``kind`` on 12 sheets of 14 (two of each kind a sheet)."""
    return [q for seed in SEEDS for q in sheet(seed, 14) if q.kind == kind]


def svd(q):
    return np.linalg.svd(np.array(q.matrix, dtype=np.float64), compute_uv=False)


def run(q, **changes):
    settings = {**q.experiment.kwargs(), **changes}
    return g.gd_inverse(q.matrix, **settings)


def test_a_sheet_of_seven_has_every_kind_and_cycles():
    qs = sheet(3, 7)
    assert [q.kind for q in qs] == list(KINDS)
    assert [q.kind for q in sheet(3, 9)][7:] == list(KINDS)[:2]
    assert len(sheet(3)) == 8


def test_same_seed_same_sheet_and_different_seeds_differ():
    assert sheet(42) == sheet(42)
    assert sheet_markdown(sheet(42), answers=True) == sheet_markdown(sheet(42), answers=True)
    firsts = {sheet(seed, 8) for seed in range(20)}
    assert len(firsts) == 20


def test_a_sheet_is_pinned():
    """The same seed gives this sheet on every machine: integer matrices and closed-form answers."""
    qs = sheet(1, 7)
    assert qs[0].matrix == ((1, 0, 0), (0, -8, 0), (0, 0, -6)) and qs[0].answer == pytest.approx(9 / 64)
    assert qs[2].matrix == ((-8, 0), (0, -4)) and qs[2].answer == 28.0
    assert qs[4].answer == "no" and qs[6].answer == "yes"


def test_stable_lr_answers():
    for q in questions("stable_lr"):
        sigma = svd(q)
        k = len(q.matrix[0])
        assert q.answer == pytest.approx(k**2 / sigma[0] ** 2, rel=1e-9)
        assert q.answer == pytest.approx(g.lr_bounds(q.matrix).stable_below, rel=1e-6)
        assert q.experiment.lr < q.answer
        result = run(q)
        assert not result.diverged and result.losses[-1] < result.losses[0]  # the caption: it converges
        assert run(q, lr=1.05 * q.answer, steps=400).diverged  # and just above the limit it does not


def test_optimal_lr_answers():
    for q in questions("optimal_lr"):
        sigma = svd(q)
        k = len(q.matrix[0])
        assert q.answer == pytest.approx(k**2 / (sigma[0] ** 2 + sigma[-1] ** 2), rel=1e-9)
        bounds = g.lr_bounds(q.matrix)
        assert bounds.factor(q.answer) <= min(bounds.factor(0.9 * q.answer), bounds.factor(1.1 * q.answer))


def test_steps_answers_match_a_float64_run():
    for q in questions("steps"):
        assert "X_0 = 0" in q.prompt and f"lr = {q.experiment.lr:g}" in q.prompt
        theory = g.steps_to_tolerance(q.matrix, lr=q.experiment.lr, tol=1e-6)
        assert q.answer == theory
        result = run(q)
        assert q.experiment.init == "zeros" and q.experiment.dtype == "float64"
        reached = int(np.flatnonzero(result.losses <= 1e-6)[0])
        assert abs(reached - q.answer) <= q.tolerance
        assert q.tolerance == max(1.0, 0.02 * q.answer)


def test_slowest_answers():
    for q in questions("slowest"):
        lr = q.experiment.lr
        assert f"lr = {lr:g}." in q.prompt
        sigma = svd(q)
        k = len(q.matrix[0])
        rates = np.abs(1 - 2 * lr * sigma**2 / k**2)
        assert q.answer == pytest.approx(sigma[np.argmax(rates)])
        # a real run: the slowest direction keeps the largest share of its error
        view = g.direction_view(q.matrix, run(q))
        assert view.sigma[view.slowest] == pytest.approx(q.answer, rel=1e-6)
        kept = view.measured[-1] / view.measured[0]
        assert view.sigma[np.argmax(kept)] == pytest.approx(q.answer, rel=1e-6)


def test_diverges_answers_agree_with_a_real_run():
    seen = set()
    for q in questions("diverges"):
        result = run(q)
        grows = result.diverged or result.losses[-1] > result.losses[0]
        assert (q.answer == "yes") == grows == (q.experiment.lr > g.lr_bounds(q.matrix).stable_below)
        seen.add(q.answer)
    assert seen == {"yes", "no"}


def test_float32_digits_answers():
    for q in questions("float32_digits"):
        sigma = svd(q)
        kappa = sigma[0] / sigma[-1]
        assert q.answer == pytest.approx(-math.log10(np.finfo(np.float32).eps * kappa), rel=1e-9)
        assert f"κ = {g.format_condition(kappa)}." in q.prompt and q.experiment is None
        # the κ as shown (3 significant digits) gives the answer well within the tolerance
        shown = float(g.format_condition(kappa))
        assert abs(-math.log10(EPS32 * shown) - q.answer) < q.tolerance / 10
        assert EPS32 == np.finfo(np.float32).eps
        # the worst case holds: float32's inverse keeps at least that many digits here
        A = np.array(q.matrix, dtype=np.float64)
        inverse = g.exact_inverse(q.matrix).inverse.double().numpy()
        error = np.linalg.norm(inverse - np.linalg.inv(A)) / np.linalg.norm(np.linalg.inv(A))
        assert error <= 2 * EPS32 * kappa


def test_left_inverse_answers_and_runs():
    seen = set()
    for q in questions("left_inverse"):
        M = np.array(q.matrix)
        assert set(np.unique(M)) <= {0, 1} and M.shape[0] > M.shape[1]
        rank = np.linalg.matrix_rank(M)
        assert q.answer == ("yes" if rank == M.shape[1] else "no")
        seen.add(q.answer)
        result = run(q)
        floor = (M.shape[1] - rank) / M.shape[1] ** 2
        assert result.losses[-1] == pytest.approx(floor, abs=1e-6)  # 0 with a left inverse, else the floor
    assert seen == {"yes", "no"}


def test_check_accepts_right_answers_and_refuses_wrong_and_garbage():
    stable, _, steps, _, diverges, digits, _ = sheet(1, 7)
    assert stable.check(9 / 64) and stable.check("0.1406") and stable.check("9/64") and stable.check(0.147)
    assert not stable.check(0.16) and not stable.check("0.13")  # 5% off is the edge: 0.1336..0.1477
    assert steps.check(28) and steps.check("27") and steps.check(" 29 ") and not steps.check(30)
    assert diverges.check("no") and diverges.check(" No ") and diverges.check("NO")
    assert not diverges.check("yes") and not diverges.check("n") and not diverges.check(False)
    assert digits.check(2.0) and digits.check("2.8") and not digits.check(3)
    for garbage in (
        None,
        "",
        "abc",
        "1/0",
        "nan",
        "inf",
        "1e999",
        [],
        {},
        object(),
        True,
        "x" * 10_000,
        b"1",
        10**400,
        float("nan"),
    ):
        assert stable.check(garbage) is False
        assert diverges.check(garbage) is False
    assert stable.tolerance_text == "within 5%" and diverges.tolerance_text == "exactly"
    assert steps.tolerance_text == "within ±1"


def test_questions_are_frozen_and_carry_their_parts():
    q = sheet(0, 1)[0]
    assert isinstance(q, Question) and isinstance(q.experiment, Experiment)
    with pytest.raises(FrozenInstanceError):
        q.answer = 1.0
    assert "$$M = \\begin{pmatrix}" in q.prompt and q.explanation
    assert set(q.experiment.kwargs()) == {"lr", "steps", "init", "dtype"}


def test_sheet_markdown():
    qs = sheet(7, 7)
    students = sheet_markdown(qs, answers=False)
    teachers = sheet_markdown(qs, answers=True)
    assert students.count("\n## ") == teachers.count("\n## ") == 7
    assert "**Answer:**" not in students and teachers.count("**Answer:**") == 7
    for q in qs:
        assert q.prompt in students and q.explanation in teachers


def test_bad_arguments():
    with pytest.raises(g.ParameterError, match="seed must be between 0"):
        sheet(-1)
    with pytest.raises(g.ParameterError, match="n must be between 1 and 50, got 51"):
        sheet(0, 51)
    with pytest.raises(g.ParameterError, match="n must be between 1 and 50, got 0"):
        sheet(0, 0)
    with pytest.raises(g.ParameterError, match="seed must be a whole number"):
        sheet("one")
    with pytest.raises(g.ParameterError, match="non-empty list of Question"):
        sheet_markdown([], answers=True)
    with pytest.raises(g.ParameterError, match="answers must be True or False"):
        sheet_markdown(sheet(0, 1), answers="yes")


def test_a_step_count_answer_may_carry_its_unit():
    question = next(q for q in sheet(0, n=20) if q.tolerance_kind == "absolute" and "steps" in q.prompt)
    answer = round(question.answer)
    assert question.check(f"{answer} steps") and question.check(f"{answer}") and not question.check("steps")


def test_a_right_answer_written_as_a_sentence_is_right_and_an_unreadable_one_is_not_called_wrong():
    stable, _, steps, _, diverges, _, _ = sheet(1, 7)
    for right in ("No.", "no!", " NO ", "no?"):
        assert diverges.check(right) and diverges.unreadable(right) is None
    assert stable.check("0.1406.") and steps.check("28 steps.")
    assert diverges.unreadable("maybe") == "'maybe' is not yes or no: answer with one of those words"
    assert stable.unreadable("0,1406") == "'0,1406' has a comma: write the number with a decimal point (0.1406)"
    assert not stable.check("0,1406")  # never guessed: 0,1406 could be two numbers
    assert stable.unreadable("abc") == "'abc' is not a number: write one like 0.25, 1/4, 2.5e-3 or 35"
    assert stable.unreadable("0.5") is None and not stable.check("0.5")  # readable, and wrong


# ---------------------------------------------------------------------------- what a teacher hands out

NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def test_seed_42_keeps_its_questions_and_answers():
    """The wording and the new fields changed nothing a sheet computes: seed 42 as it was before them."""
    qs = sheet(42, 7)
    assert [q.matrix for q in qs] == [
        ((4, 0, 0), (0, -5, 0), (0, 0, -9)),
        ((4, 2), (2, 2)),
        ((0, -3), (3, 0)),
        ((-4, 0, 0), (0, 1, 0), (0, 0, 2)),
        ((-4, 4), (0, 4)),
        ((160, 161), (159, 160)),
        ((1, 1), (0, 0), (0, 0), (1, 1), (1, 1), (1, 1)),
    ]
    assert [q.answer for q in qs] == [1 / 9, 1 / 7, 6.0, 1.0, "yes", 1.9133814614419058, "no"]
    runs = [(q.experiment.lr, q.experiment.steps) for q in qs if q.experiment is not None]
    assert runs == [(0.11, 429), (1 / 7, 263), (0.16, 12), (0.16, 60), (0.14, 200), (0.22, 10)]


def test_prompts_say_exactly_what_they_ask():
    stable, optimal, steps, slowest, diverges, digits, left = sheet(5, 7)
    assert "supremum" in stable.prompt and "does not converge" in stable.prompt
    assert "$0 < lr < lr_{max}$" in stable.prompt and "largest learning rate" not in stable.prompt
    assert "as small as possible" in optimal.prompt and "fastest" not in optimal.prompt
    assert "first at or below $10^{-6}$" in steps.prompt and "$L(X_t)$" in steps.prompt
    assert "slowest" in slowest.prompt and "singular value σ" in slowest.prompt
    assert "grows without bound" in diverges.prompt
    assert "−log₁₀ of that relative error" in digits.prompt and "one decimal" in digits.prompt
    k = len(left.matrix[0])
    assert f"the {k}×{k} identity" in left.prompt
    for q in (stable, steps, diverges):
        assert "$X_0 = 0$" in q.prompt  # where the start matters, it is stated
    for q in (stable, optimal, steps, slowest, diverges):
        assert "Frobenius norm" in q.prompt and "k the number of columns of M" in q.prompt
    assert KINDS["stable_lr"].startswith("the supremum")


def test_hints_never_give_the_answer_away():
    by_width: dict[int, set[tuple[str, str]]] = {}
    slowest_hints = set()
    for seed in range(40):
        for q in sheet(seed, 7):
            assert q.hint and q.hint not in q.explanation
            if isinstance(q.answer, str):
                assert not re.search(r"\b(yes|no)\b", q.hint, re.I), q.hint
            else:
                # no number the hint adds to what the prompt shows would be accepted as the answer
                added = set(NUMBER.findall(q.hint)) - set(NUMBER.findall(q.prompt))
                assert not [x for x in added if q.check(x)], (q.hint, q.answer)
            if q.kind == "slowest":  # the same words for every matrix: no singular value named
                slowest_hints.add(q.hint.replace(f"lr = {q.experiment.lr:g}", "lr = ?"))
            if q.kind == "left_inverse":
                by_width.setdefault(len(q.matrix[0]), set()).add((q.hint, q.answer))
    assert len(slowest_hints) == 1
    for hints in by_width.values():  # the same hint whatever the answer: it depends on the number of words only
        assert len({hint for hint, _ in hints}) == 1 and {answer for _, answer in hints} == {"yes", "no"}


def test_choices_hold_the_answer_once():
    for q in [q for seed in range(12) for q in sheet(seed, 7)]:
        if q.kind in ("diverges", "left_inverse"):
            assert q.choices == ("yes", "no")
        elif q.kind == "slowest":
            assert [float(c) for c in q.choices] == pytest.approx(sorted(svd(q)))
        else:
            assert q.choices == ()
        if q.choices:
            assert sum(q.check(c) for c in q.choices) == 1


def test_single_experiments_are_the_experiment():
    for q in [q for seed in range(12) for q in sheet(seed, 7)]:
        if q.kind in ("steps", "slowest", "left_inverse"):
            assert q.experiments == (q.experiment,)
        if q.kind == "float32_digits":
            assert q.experiments == ()
        lrs = [e.lr for e in q.experiments]
        assert lrs == sorted(lrs)


def steps_to_converge(q, lr):
    """The theory's first step at which ‖X_t M − I‖_F ≤ float64's eps from X₀ = 0 (numpy's singular values)."""
    k = len(q.matrix[0])
    factors = 1 - 2 * lr * svd(q) ** 2 / k**2
    t = np.arange(20_000)
    return int(np.flatnonzero(np.sqrt((factors[:, None] ** (2 * t)).sum(0)) <= np.finfo(np.float64).eps)[0])


def steps_to_diverge(q, lr):
    """The theory's first step at which the loss passes 1e6 times its start 1/k, from X₀ = 0."""
    k = len(q.matrix[0])
    factors = 1 - 2 * lr * svd(q) ** 2 / k**2
    t = np.arange(2_000)
    with np.errstate(over="ignore"):  # inf passes the threshold too
        losses = (factors[:, None] ** (2 * t)).sum(0) / k**2
    return int(np.flatnonzero(losses > 1e6 / k)[0])


def check_both_sides(q, limit):
    """The runs below and above ``limit`` end as their outcome says, with twice the steps the theory needs."""
    below, above = q.experiments
    assert below.lr < limit < above.lr
    assert (below.outcome, above.outcome) == ("converged", "diverged")
    assert below.steps == above.steps >= 2 * max(steps_to_converge(q, below.lr), steps_to_diverge(q, above.lr))
    converging, diverging = run(q, **below.kwargs()), run(q, **above.kwargs())
    assert not converging.diverged and converging.verdict.status == "converged"
    assert diverging.diverged and diverging.verdict.status == "diverged"


def test_reveal_shows_the_stable_limit_from_both_sides():
    for q in questions("stable_lr"):
        below, above = q.experiments
        assert below.lr / q.answer == pytest.approx(0.9, rel=0.01) and above.lr / q.answer == pytest.approx(
            1.1, rel=0.01
        )
        check_both_sides(q, q.answer)


def test_reveal_shows_the_asked_lr_and_its_mirror_across_the_limit():
    seen = set()
    for q in questions("diverges"):
        limit = g.lr_bounds(q.matrix).stable_below
        check_both_sides(q, limit)
        asked = next(e for e in q.experiments if e.lr == q.experiment.lr)
        assert (asked.outcome == "diverged") == (q.answer == "yes")
        low, high = (e.lr / limit for e in q.experiments)
        assert low * high == pytest.approx(1, rel=0.02)  # as far from the limit on either side, by ratio
        seen.add(q.answer)
    assert seen == {"yes", "no"}


def test_reveal_shows_the_optimal_lr_beaten_by_neither_neighbour():
    for q in questions("optimal_lr"):
        below, at, above = q.experiments
        sigma = svd(q)
        kappa = sigma[0] / sigma[-1]
        assert at.lr == q.answer and below.lr == pytest.approx(0.75 * q.answer, rel=1e-12)
        assert above.lr == pytest.approx(q.answer * (1 + 1 / (4 * kappa**2)), rel=1e-9)
        bounds = g.lr_bounds(q.matrix)
        assert bounds.factor(below.lr) == pytest.approx(bounds.factor(above.lr), rel=1e-9)  # equally slow
        assert bounds.factor(below.lr) > bounds.factor(q.answer)
        best = run(q, **at.kwargs()).final_loss
        assert min(run(q, **below.kwargs()).final_loss, run(q, **above.kwargs()).final_loss) >= 2 * best


def test_the_teachers_sheet_has_the_hints_and_the_students_not():
    qs = sheet(7, 7)
    students = sheet_markdown(qs, answers=False)
    teachers = sheet_markdown(qs, answers=True)
    assert teachers.count("**Hint** (after a wrong answer): ") == 7 and "**Hint**" not in students
    for q in qs:
        assert q.hint in teachers and q.hint not in students
