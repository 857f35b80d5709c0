#!/bin/sh
# Checks that sufler's vectorised GELU table lookup (patch 6 of PATCHES.md)
# gives the scalar loop's results bit for bit: every f16 value, random bit
# patterns (NaN and infinities among them) and random numbers in ±15, with
# the AVX-512 and the AVX2 code. The scalar loop, the GELU its table holds
# and the new loop are taken from vec.h itself. Run by hand after touching it:
#   sh vendor/whisper-rs-sys/checks/gelu.sh
set -eu
here=$(dirname "$0")
vec="$here/../whisper.cpp/ggml/src/ggml-cpu/vec.h"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
    sed -n '1,/^\/\/ from vec.h:/p' "$here/gelu_check.c"
    # The constants and ggml_gelu_f32; the scalar table loop; the new loop.
    awk '/^static const float GELU_COEF_A/{f=1} f{print} f&&/^}/{exit}' "$vec"
    awk '/^inline static void ggml_vec_gelu_f32/{f=1} f{print} f&&/^}/{exit}' "$vec"
    awk '/sufler: ggml_vec_gelu_f32.s table/{f=1} f&&/^#else/{exit} f' "$vec"
    sed -n '/^\/\/ from vec.h:/,$p' "$here/gelu_check.c"
} > "$work/check.c"
for flags in "-mavx512f -mavx512dq -mf16c" "-mavx2 -mfma -mf16c"; do
    # shellcheck disable=SC2086
    cc -O2 $flags "$work/check.c" -o "$work/check" -lm
    printf '%s: ' "$flags"
    "$work/check"
done
