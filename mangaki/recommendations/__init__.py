"""The site's recommendation stack: what trains the models, keeps them, serves them and lists works.

Layers, each importing only the ones above it (import-linter contracts in pyproject.toml):

- ``algorithms``: the table of algorithms (class, ratings needed, the name people see);
- ``arrays``: the bridge from the database to the library's arrays (ratings, tags);
- ``registry``: the trained versions, their artifacts in storage, activation and rollback;
- ``measuring`` and ``training``: fitting and measuring a version, the quality gate;
- ``retraining``: the policy that says which algorithms to retrain (Celery beat);
- ``serving``: the active versions loaded once per process, with the catalogue they score;
- ``lists``: the lists people see (``recommendations_for``, ``similar_works``).

The serving side (``serving``, ``lists``) never imports the training side (``measuring``,
``training``, ``retraining``). The models themselves are in the ``recommender`` library,
which knows nothing of Django.
"""
