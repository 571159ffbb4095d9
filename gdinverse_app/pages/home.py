"""Home: the notebook's story in a few paragraphs, and a link to every page in lesson order."""

import streamlit as st

from gdinverse_app.ui import frame

frame.page("Home", heading="Inverting a matrix, exactly and by gradient descent", figures=False)
st.markdown(
    """
The inverse of a matrix M is the matrix X with **X @ M = I**. This app follows a notebook that finds it
two ways:

1. **Exactly**, with `torch.linalg.inv`: one call, and the check `inverse @ M` is the identity — up to rounding,
   which the *condition number* of M can magnify until nothing is left.
2. **By gradient descent**: start from a random X, measure how far X @ M is from I with the mean squared error,
   and step downhill again and again. The notebook does this for diag(1, 2, 3, 4) with a learning rate of
   0.46, printing the residual every 20 steps as it fades to zero.

Why a learning rate of 0.46 works there, why it fails for other matrices, and why float32 sometimes stops short
are the lessons here. The notebook ends with a random **indicator matrix** of words in documents — the kind of
matrix one would invert next, though it is not square.
"""
)
st.subheader("The pages")
for path, title, icon, blurb in frame.PAGES[1:]:
    st.page_link(frame.page_object(path), label=f"{title} — {blurb}", icon=icon)
st.markdown(
    "**Teaching with it:** the *Lecture* walks through the story in order, one figure a step, and *Exercises* "
    "deals a sheet the whole class shares (predict, then reveal). **Projector mode** — the toggle in the sidebar, "
    "or `?present=1` in any link — makes text and figures large enough for a lecture hall."
)
st.caption(
    "Every page keeps its settings in the link: copy the address bar to share exactly what you see. "
    "The maths lives in the `gdinverse` Python package, which installs with pip; the pages only draw it."
)
