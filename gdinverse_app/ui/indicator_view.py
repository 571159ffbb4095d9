"""The Indicator matrix page's chooser (in the page, for phones): a random matrix (the notebook's) or the
document-term matrix of your text. Its expander has a key, so it stays open while it is edited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gdinverse_app import state
from gdinverse_app.models import indicator
from gdinverse_app.requests import IndicatorRequest
from gdinverse_app.settings import INDICATOR, MAX_DOCUMENTS, MAX_WIDGET_SEED, MAX_WORDS
from gdinverse_app.ui import frame
from gdinverse_app.ui.whole_number import whole_number

SETTINGS = INDICATOR


def _request(style: str) -> IndicatorRequest:
    v = state.value
    return IndicatorRequest(v("isource"), int(v("docs")), int(v("words")), float(v("p")), int(v("iseed")),
                            str(v("documents")), style)  # fmt: skip


def choose(style: str) -> IndicatorRequest:
    """Draw the controls in an expander at the top of the page and return the request; stops the page with an
    error if the text is unusable. The expander is open on a first visit whose link sets nothing."""
    first_visit = "_indicator_seen" not in st.session_state and not any(s.name in st.query_params for s in SETTINGS)
    st.session_state["_indicator_seen"] = True
    state.load(SETTINGS)
    box = state.titled_expander(indicator.title(_request(style)), name="chooser", first=first_visit,
                                icon=":material/grid_on:")  # fmt: skip
    _widgets(box)  # drawn closed too, as the matrix chooser's
    state.save(SETTINGS)
    request = _request(style)
    if request.source == "text":
        problem = indicator.text_problem(request.text)
        if problem:
            st.error(problem)
            st.stop()
        skipped = indicator.blank_lines(request.text)
        if skipped:
            st.caption(skipped)
    with frame.stop_on_error("Documents"):
        indicator.view(request)
    return request


def _widgets(box: st.delta_generator.DeltaGenerator) -> None:
    source = box.radio("Source", ["random", "text"], key=state.key("isource"), horizontal=True,
                       format_func={"random": "Random", "text": "From your own text"}.get)  # fmt: skip
    if source == "random":
        left, right = box.columns(2)
        whole_number(left, "Documents", 1, MAX_DOCUMENTS, name="docs")
        whole_number(right, "Words", 1, MAX_WORDS, name="words")
        left.slider("Probability p of a word in a document", 0.0, 1.0, step=0.01, key=state.key("p"))
        right.number_input("Seed", 0, MAX_WIDGET_SEED, key=state.key("iseed"))
        return
    box.text_area(
        "Documents, one per line",
        key=state.key("documents"),
        height=200,
        help="Words are runs of letters and digits; every other character (a hyphen, an emoji, punctuation) "
        "separates words and is not counted, so e-mail is two words. Spellings that differ only in case (Apple, "
        "apple; Straße, STRASSE; İstanbul, istanbul), in width (ＡＢＣ, ABC) or in the apostrophe (don't, don’t) are "
        "one word, shown as first written, lower-cased.",
    )


def table(shown: indicator.View) -> pd.DataFrame:
    """The matrix with its labels, and the documents' text when there is one."""
    frame_ = pd.DataFrame(shown.matrix.numpy(), index=list(shown.documents), columns=list(shown.words))
    if shown.texts is not None:
        frame_.insert(0, "text", list(shown.texts))
    return frame_
