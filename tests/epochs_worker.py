"Under torchrun: the smoke preset's pretext stage for many epochs of a few images, 2 data loader workers per loader (each pass over the data starts new workers)"
import sys
from sslkt.distributed import init_distributed, end_process
from sslkt.run import Run, check_config, load_config, stage_pretext

if __name__ == '__main__':
    out, epochs = sys.argv[1], int(sys.argv[2])
    init_distributed()
    cfg = load_config('smoke', dict(workers=2, stall=60, pretext=dict(epochs=epochs, bs=16, data=dict(n_train=64, n_valid=32))))
    Run(out, cfg, check_config(cfg)).stage('pretext', stage_pretext, dict(epochs=epochs), parallel=True)
    end_process(0)                                  # as the console scripts end a rank
