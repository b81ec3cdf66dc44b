"""The contact plan: when to check on a patient's relief, and what to do next.

A clinic does not book a retreatment at six weeks on the chance that relief
ends early: it calls the patient and books when the pain comes back. The plan:

- the **next contact** is the day by which a fraction ``contact_at_risk`` of
  responders like this one, relieved at the last contact (at onset, for the
  first contact), have lost relief — the conditional forecast; never before
  relief can be judged (the onset's p90), and never sooner than
  ``min_gap_days`` after the last contact;
- relief lost: **book retreatment** now (the next cycle is forecast from it);
  lost before relief is usually noticed: **review** (probable non-response);
- a post-operative window (pain that ends by itself): no retreatment; one
  contact at the window's end only where outcome data stand behind the window.

Pure, vectorised functions; the relief law is anything with
``quantile(p, given_day)`` (:class:`regen.model.relief.ReliefDistribution`).

Examples
--------
>>> import numpy as np
>>> next_contact_days(quantile_day=np.array([40.0, 90.0]), onset_floor_day=np.array([21.0, 21.0]),
...                   last_contact_day=np.array([np.nan, 85.0]), min_gap_days=14)
array([40., 99.])
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTIONS", "next_actions", "next_contact_days"]

#: The next actions, as the ``next_action`` column writes them.
ACTIONS = {
    "call": "call",
    "book": "book retreatment",
    "review": "review: probable non-response",
    "window_end": "call at the window's end",
    "none_window": "none: analgesic window",
    "window_over": "none: the window has ended",
}


def next_contact_days(*, quantile_day, onset_floor_day, last_contact_day, min_gap_days: float) -> np.ndarray:
    """The next contact: the conditional quantile, not before the onset floor nor within the gap after the last.

    Parameters
    ----------
    quantile_day : array
        Day by which ``contact_at_risk`` of responders relieved at the last
        contact (at onset without one) have lost relief.
    onset_floor_day : array
        The day relief can be judged (the onset's p90).
    last_contact_day : array
        Day of the last contact (NaN: none yet).
    min_gap_days : float
        Least days between two contacts.
    """
    day = np.fmax(np.asarray(quantile_day, float), np.asarray(onset_floor_day, float))
    return np.fmax(day, np.asarray(last_contact_day, float) + float(min_gap_days))  # fmax: NaN = no contact


def next_actions(*, lost, non_response, window, window_evidence) -> np.ndarray:
    """The next action per patient (a text of :data:`ACTIONS`).

    Parameters
    ----------
    lost : array of bool
        Relief has been lost (pain back).
    non_response : array of bool
        Relief was lost before it is usually noticed (probable non-response).
    window : array of bool
        Post-operative pain (an analgesic window, no retreatment).
    window_evidence : array of bool
        Outcome data stand behind the window's forecast (its end is worth a call).
    """
    lost, window = np.asarray(lost, bool), np.asarray(window, bool)
    out = np.full(lost.shape, ACTIONS["call"], dtype=object)
    out[lost] = ACTIONS["book"]
    out[lost & np.asarray(non_response, bool)] = ACTIONS["review"]
    out[window] = np.where(np.asarray(window_evidence, bool)[window], ACTIONS["window_end"], ACTIONS["none_window"])
    out[window & lost] = ACTIONS["window_over"]
    return out
