"""Peer side of scripts/bench-learn.sh: prepares the shared fold files, runs pyBKT and girth.

Subcommands (all output is JSON on stdout, one object):
  prepare DATA_DIR OUT_DIR          write one CSV per data set (user_id, skill_name, item, correct,
                                    fold, order_id) so both sides read exactly the same rows and folds
  pybkt FILE                        5-fold pyBKT (defaults: one model per skill, 5 restarts, seed 0)
  irt-generate OUT_DIR              a 20,000 x 200 2PL data set (CSV for us, .npy for girth, truth)
  girth OUT_DIR                     girth 2PL MML on it, with recovery correlations
  recovery OUT_DIR MODEL_JSON       recovery correlations of our saved model
"""

import json
import os
import sys
import time

import numpy as np
import pandas as pd


def prepare(data_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    made = {}

    def write(name, df):
        # pyBKT builds a regular expression from skill names: plain tokens only.
        tokens = {s: f"s{i}" for i, s in enumerate(pd.unique(df["skill"]))}
        out = pd.DataFrame({
            "user_id": df["student"].astype(str),
            "skill_name": df["skill"].map(tokens),
            "item": df["item"].astype(str),
            "correct": df["correct"].astype(int),
            "fold": df["fold"],
        })
        out["order_id"] = np.arange(len(out))
        path = os.path.join(out_dir, f"{name}.csv")
        out.to_csv(path, index=False)
        made[name] = path

    d09 = pd.read_csv(os.path.join(data_dir, "assistments2009-akt/assist2009_pid_long.csv.gz"), dtype=str)
    d09 = pd.DataFrame({"student": d09.user_id, "skill": d09.skill_name, "item": d09.problem_id,
                        "correct": d09.correct, "fold": d09.akt_test_fold.fillna("")})
    write("assistments2009-raw", d09)
    # Deduplicated: drop a row whose student and problem equal the previous row's.
    same = (d09.student == d09.student.shift()) & (d09.item == d09.item.shift())
    write("assistments2009-dedup", d09[~same].reset_index(drop=True))

    d15 = pd.read_csv(os.path.join(data_dir, "assistments2015-akt/assist2015_long.csv.gz"), dtype=str)
    write("assistments2015", pd.DataFrame({"student": d15.user_id, "skill": d15.skill_id, "item": d15.skill_id,
                                           "correct": d15.correct, "fold": d15.akt_test_fold.fillna("")}))

    st = pd.read_csv(os.path.join(data_dir, "statics2011-dkvmn/statics2011_long.csv.gz"), dtype=str)
    # Students shuffled with numpy seed 0 into 5 folds, as in PEERS.md.
    students = pd.unique(st.student_seq)
    order = np.random.RandomState(0).permutation(len(students))
    fold_of = {students[j]: str(k % 5 + 1) for k, j in enumerate(order)}
    write("statics2011", pd.DataFrame({"student": st.student_seq, "skill": st.skill_id, "item": st.qid,
                                       "correct": st.correct, "fold": st.student_seq.map(fold_of)}))
    print(json.dumps(made))


def pybkt(path):
    from pyBKT.models import Model
    from sklearn.metrics import roc_auc_score, mean_squared_error

    df = pd.read_csv(path, dtype={"user_id": str, "skill_name": str, "item": str, "fold": str})
    df["fold"] = df["fold"].fillna("")
    preds = np.full(len(df), np.nan)
    fit_seconds = 0.0
    for fold in sorted(f for f in df["fold"].unique() if f != ""):
        train = df[df["fold"] != fold]
        test = df[df["fold"] == fold]
        model = Model(seed=0, num_fits=5)
        started = time.perf_counter()
        model.fit(data=train[["order_id", "user_id", "skill_name", "correct"]].copy())
        fit_seconds += time.perf_counter() - started
        known = test["skill_name"].isin(set(train["skill_name"]))
        preds[test.index[~known.values]] = 0.5
        if known.any():
            out = model.predict(data=test[known.values][["order_id", "user_id", "skill_name", "correct"]].copy())
            preds[out["order_id"].to_numpy()] = out["correct_predictions"].to_numpy()
    scored = ~np.isnan(preds)
    y, p = df["correct"].to_numpy()[scored], preds[scored]
    print(json.dumps({"auc": roc_auc_score(y, p), "rmse": float(np.sqrt(mean_squared_error(y, p))),
                      "fit_seconds": fit_seconds, "rows": int(scored.sum())}))


PERSONS, ITEMS = 20_000, 200


def irt_generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    theta = rng.normal(0, 1, PERSONS)
    difficulty = rng.normal(0, 1, ITEMS)
    discrimination = rng.lognormal(0, 0.3, ITEMS)
    p = 1 / (1 + np.exp(-discrimination[:, None] * (theta[None, :] - difficulty[:, None])))
    data = (rng.random((ITEMS, PERSONS)) < p)
    np.save(os.path.join(out_dir, "irt.npy"), data)
    np.save(os.path.join(out_dir, "truth.npy"), np.vstack([difficulty, discrimination]))
    persons, items = np.meshgrid(np.arange(PERSONS), np.arange(ITEMS), indexing="ij")
    long = pd.DataFrame({"user_id": "p" + pd.Series(persons.ravel()).astype(str),
                         "skill_name": "all",
                         "item": "i" + pd.Series(items.ravel()).astype(str),
                         "correct": data.T.ravel().astype(int)})
    long.to_csv(os.path.join(out_dir, "irt.csv"), index=False)
    print(json.dumps({"persons": PERSONS, "items": ITEMS}))


def girth(out_dir):
    from girth import twopl_mml

    data = np.load(os.path.join(out_dir, "irt.npy")).astype(int)
    difficulty, discrimination = np.load(os.path.join(out_dir, "truth.npy"))
    started = time.perf_counter()
    result = twopl_mml(data)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "fit_seconds": seconds,
        "r_difficulty": float(np.corrcoef(result["Difficulty"], difficulty)[0, 1]),
        "r_discrimination": float(np.corrcoef(result["Discrimination"], discrimination)[0, 1]),
    }))


def recovery(out_dir, model_path):
    difficulty, discrimination = np.load(os.path.join(out_dir, "truth.npy"))
    with open(model_path) as f:
        model = json.load(f)
    b = np.zeros(ITEMS)
    a = np.zeros(ITEMS)
    for item in model["items"]:
        k = int(item["name"][1:])
        b[k] = item["params"]["difficulty"]
        a[k] = item["params"]["discrimination"]
    print(json.dumps({
        "r_difficulty": float(np.corrcoef(b, difficulty)[0, 1]),
        "r_discrimination": float(np.corrcoef(a, discrimination)[0, 1]),
    }))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"prepare": prepare, "pybkt": pybkt, "irt-generate": irt_generate, "girth": girth,
     "recovery": recovery}[command](*args)
