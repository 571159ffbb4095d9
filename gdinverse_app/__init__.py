"""The gdinverse Streamlit app: ``streamlit_app.py`` routes to the pages in ``views/``; their helpers are in ``ui/``.

Installed with ``pip install "gdinverse[app]"`` and started with ``gdinverse app``. The repository root's
``streamlit_app.py`` and ``views`` are links to these files, so ``streamlit run streamlit_app.py`` and Streamlit
Community Cloud run the same app from a checkout. This package imports streamlit; ``gdinverse`` never does.
"""
