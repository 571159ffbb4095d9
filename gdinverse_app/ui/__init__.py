"""Streamlit helpers the pages share: the page frame (setup, projector CSS, charts, error boxes), the widgets that
choose a matrix and a run, step-through, the direction view's expander, and the lesson export.

This is app code (it imports streamlit); it draws widgets and what the models (``gdinverse_app.models``) return,
and computes nothing itself.
"""
