#!/usr/bin/python3
"""Independent MFCC reference for tests/ingest/audio_test.cpp, in numpy only.

Writes mfcc_golden.txt beside this script: for each sample rate, the test signal
(below, quantised to 16 bits) and its MFCCs per 25 ms window every 10 ms.
Recipe (python_speech_features style): pre-emphasis 0.97, Hamming windows of
25 ms every 10 ms (whole samples, rounded down),
|rfft|^2 / nfft with nfft the next power of two, 26 HTK-mel triangular filters from
0 Hz to min(rate/2, 8000) Hz with edges at floor((nfft+1)*hz/rate), log of
max(energy, 1e-10), orthonormal DCT-II, coefficients 0..12.

Run: /usr/bin/python3 tests/golden/mfcc/make_mfcc_golden.py
"""
import os
import numpy as np

SECONDS = 0.25


def signal(rate):
    # Must match test_signal() in audio_test.cpp.
    t = np.arange(int(SECONDS * rate)) / rate
    x = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1500 * t) \
        + 0.1 * np.sin(2 * np.pi * (200 + 3000 * t) * t)
    return np.round(x * 32767) / 32768.0


def mel(hz):
    return 2595 * np.log10(1 + hz / 700.0)


def hz(m):
    return 700 * (10 ** (m / 2595.0) - 1)


def mfcc(x, rate, nfilt=26, ncep=13):
    win = rate * 25 // 1000  # whole samples, rounded down
    hop = rate // 100
    nfft = 1 << int(np.ceil(np.log2(win)))
    y = np.append(x[0], x[1:] - 0.97 * x[:-1])
    count = 1 + (len(y) - win) // hop
    frames = np.stack([y[i * hop:i * hop + win] for i in range(count)])
    frames = frames * np.hamming(win)
    power = np.abs(np.fft.rfft(frames, nfft)) ** 2 / nfft
    top = min(rate / 2.0, 8000.0)
    points = hz(np.linspace(0, mel(top), nfilt + 2))
    bins = np.floor((nfft + 1) * points / rate).astype(int)
    fb = np.zeros((nfilt, nfft // 2 + 1))
    for m in range(nfilt):
        lo, mid, hi = bins[m], bins[m + 1], bins[m + 2]
        for k in range(lo, mid):
            fb[m, k] = (k - lo) / (mid - lo)
        for k in range(mid, hi):
            fb[m, k] = (hi - k) / (hi - mid)
    energies = np.log(np.maximum(power @ fb.T, 1e-10))
    n = np.arange(nfilt)
    dct = np.array([np.cos(np.pi * k * (2 * n + 1) / (2 * nfilt)) for k in range(ncep)])
    dct *= np.sqrt(2.0 / nfilt)
    dct[0] *= np.sqrt(0.5)
    return energies @ dct.T


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mfcc_golden.txt"), "w") as out:
    out.write("# rate windows, then one line of 13 MFCCs per window (make_mfcc_golden.py)\n")
    for rate in (16000, 44100):
        c = mfcc(signal(rate), rate)
        out.write("%d %d\n" % (rate, len(c)))
        for row in c:
            out.write(" ".join("%.6f" % v for v in row) + "\n")
