"""Streamlit helpers shared by the app's pages: settings kept in the URL, the matrix chooser, cached work.

This is app code (it imports streamlit); the maths lives in the ``gdinverse`` package.
"""
