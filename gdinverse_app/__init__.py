"""The gdinverse Streamlit app: Home (``streamlit_app.py``), the pages in ``pages/``, their helpers in ``ui/``.

Installed with ``pip install "gdinverse[app]"`` and started with ``gdinverse app``. The repository root's
``streamlit_app.py`` and ``pages`` are links to these files, so ``streamlit run streamlit_app.py`` and Streamlit
Community Cloud run the same app from a checkout. This package imports streamlit; ``gdinverse`` never does.
"""
