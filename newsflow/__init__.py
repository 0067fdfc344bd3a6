"""newsflow: streaming ingestion for news (command-line entry points)."""
from newsflow.schemas import PIPELINE_VERSION as __version__

__all__ = ["__version__"]
