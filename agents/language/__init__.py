"""The `language` stage: which language an article is in, in which script, how sure we are, and
where it changes. README.md in this folder says which detector decides what, and where its data
comes from."""
from newsflow.agents.language.hints import hint_agrees, hint_code
from newsflow.agents.language.identifier import LanguageIdentifier, identify, odds
from newsflow.agents.language.scripts import script_of
from newsflow.agents.language.stage import detect_language, make_stage

__all__ = ["LanguageIdentifier", "detect_language", "hint_agrees", "hint_code", "identify", "make_stage",
           "odds", "script_of"]
