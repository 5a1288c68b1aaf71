__version__ = "0.1.0"

import warnings as _warnings
# fastai.layers calls `torch.jit.script` when imported; torch ≥ 2.10 deprecates it. Not sslkt's to fix, and it would
# open every console run and page with a FutureWarning: only that one message is silenced, nothing else.
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
# fastai.tabular (imported with fastai's vision modules) sets a pandas option that pandas 3 deprecates.
_warnings.filterwarnings('ignore', message=r"The 'mode\.chained_assignment' option is deprecated")
