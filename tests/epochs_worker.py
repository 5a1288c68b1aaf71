"Under torchrun: the smoke preset's pretext stage for many epochs of a few images, 2 data loader workers per loader (each pass over the data starts new workers)"
import sys
from sslkt.distributed import init_distributed, end_process
from functools import partial
from sslkt.config import load_config
from sslkt.checks import check_config
from sslkt.runner import Run
from sslkt.stages import pretext_stage

if __name__ == '__main__':
    out, epochs = sys.argv[1], int(sys.argv[2])
    init_distributed()
    cfg = load_config('smoke', dict(workers=2, stall=60, pretext=dict(epochs=epochs, bs=16, data=dict(n_train=64, n_valid=32))))
    check_config(cfg)
    Run(out, cfg).stage('pretext', partial(pretext_stage, c=cfg.pretext), dict(epochs=epochs), parallel=True)
    end_process(0)                                  # as the console scripts end a rank
