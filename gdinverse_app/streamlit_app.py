"""gdinverse, the app: how a matrix inverse is found exactly, and how gradient descent learns it.

Run with ``streamlit run streamlit_app.py``. This file only routes: ``st.navigation`` over the pages in ``pages/``
(Home first), listed in lesson order in the sidebar (``gdinverse_app.ui.frame.PAGES``).
"""

from gdinverse_app import warm

warm.wait()  # a server started by `gdinverse app` imports the app in a thread at start: let it finish first

from gdinverse_app.ui import frame  # noqa: E402

frame.route()
