import sys
from pathlib import Path

# Lets test modules import the local `strategies` helper under --import-mode=importlib.
sys.path.insert(0, str(Path(__file__).parent))
