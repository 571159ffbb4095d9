"""The gdinverse Streamlit app: ``streamlit_app.py`` routes to the pages in ``pages/``, which read their widgets,
build a frozen request (``requests.py``), call the page's model (``models/``, no streamlit) and draw what it returns
with the helpers in ``ui/``; ``state.py`` keeps the settings (``settings.py``) in the link and the session.

Installed with ``pip install "gdinverse[app]"`` and started with ``gdinverse app``. The repository root's
``streamlit_app.py`` and ``pages`` are links to these files, so ``streamlit run streamlit_app.py`` and Streamlit
Community Cloud run the same app from a checkout. The pages import streamlit; ``gdinverse`` never does.
"""
