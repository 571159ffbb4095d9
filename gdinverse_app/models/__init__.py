"""Page models: for each page a function that takes the page's frozen request (``gdinverse_app.requests``) and
returns its numbers, figures and sentences as frozen values. They import no streamlit: the pages in ``pages/``
read widgets, call a model, and draw what it returns; the tests hold the models against independent numpy
computations over a zoo of matrices (``tests/test_models.py``)."""
