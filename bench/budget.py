"""The pretext budget curve: how many puzzles a Jigsaw++ AlexNet teacher needs before it, and its student, beat their starts.

One long pretext training (`sslkt.study.budget_config`: the demo's recipe on every training image, a 2-epoch warm-up
then a constant rate, so that the weights after N epochs do not depend on the length) saves its trunk after each
epoch of --snapshots; each snapshot's features are clustered and a student is trained on them (the demo's stages), and
both are probed like the demo's rows (linear conv1…conv5, k-NN, fine-tuning on 10 labelled images a class). Prints the
table of differences (teacher − its start, student − random) by puzzles seen and writes budget.csv,
budget_differences.csv, budget.md and budget.png in --out. Every stage is resumable: run the same command again to
continue after a stop. For the spread at the largest budget, run other seeds with only the last snapshot, then print
mean ± std over the finished folders (`sslkt.study.budget_spread`):

  python bench/budget.py --out runs/budget
  python bench/budget.py --out runs/budget_s1 --seed 1 --snapshots 60
  python bench/budget.py --out runs/budget_s2 --seed 2 --snapshots 60
  python bench/budget.py --spread runs/budget runs/budget_s1 runs/budget_s2
"""
import argparse
from sslkt.study import budget_study, budget_config, budget_spread
from sslkt.run import markdown_table

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--out', default='runs/budget'); ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--epochs', type=int, default=budget_config['pretext']['epochs'])
ap.add_argument('--snapshots', type=int, nargs='+', default=budget_config['pretext']['snapshots'])
ap.add_argument('--data', default=None, help="an Imagenette folder (default: fastai's Imagenette 160)")
ap.add_argument('--spread', nargs='+', metavar='OUT', help='finished curves, one seed each: print mean ± std at their last common snapshot, run nothing')
a = ap.parse_args()
if a.spread: print(markdown_table(budget_spread(*a.spread)))
else:
    t = budget_study(a.out, a.seed, dict(pretext=dict(epochs=a.epochs, snapshots=a.snapshots)), a.data)
    print(markdown_table(t.reset_index(level=[1, 2])))
