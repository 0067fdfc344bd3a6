"""The entities stage: PER/ORG/LOC/MISC mentions with offsets into `body`, grouped and linked
to places (README.md says what each language gets and where the models and data live)."""
from newsflow.agents.entities.stage import EntityRecognizer, make_stage

__all__ = ["EntityRecognizer", "make_stage"]
