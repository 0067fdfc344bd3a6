"""Transitional: the `spacy_vectors` entry point of the installed package still names this
module, and spaCy loads entry points before its own registry, so it must import. Delete this
file once pyproject.toml points the entry point at `newsflow.agents.entities.vectors:glove_vectors`
and the package is reinstalled."""
from newsflow.agents.entities.vectors import glove_vectors

__all__ = ["glove_vectors"]
