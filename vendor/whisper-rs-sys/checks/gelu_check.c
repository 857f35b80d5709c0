// The frame around vec.h's GELU loops; see gelu.sh.
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint16_t ggml_fp16_t;
static ggml_fp16_t ggml_table_gelu_f16[1 << 16];
#define GGML_CPU_FP32_TO_FP16(x) _cvtss_sh(x, 0)
#define GGML_CPU_FP16_TO_FP32(x) _cvtsh_ss(x)
#define GGML_GELU_FP16

// from vec.h: the GELU, the scalar loop and the vectorised one
int main(void) {
    // As ggml_cpu_init fills it.
    for (int i = 0; i < 1 << 16; i++) {
        ggml_table_gelu_f16[i] = GGML_CPU_FP32_TO_FP16(ggml_gelu_f32(GGML_CPU_FP16_TO_FP32(i)));
    }
    const int n = 1 << 24;
    float * x = malloc(n * sizeof(float));
    float * want = malloc(n * sizeof(float));
    float * got = malloc(n * sizeof(float));
    srand(1);
    for (int i = 0; i < n; i++) {
        if (i < 1 << 16) {
            x[i] = GGML_CPU_FP16_TO_FP32(i);
        } else if (i % 2) {
            x[i] = ((float) rand() / RAND_MAX - 0.5f) * 30;
        } else {
            uint32_t bits = ((uint32_t) rand() << 16) ^ (uint32_t) rand();
            memcpy(&x[i], &bits, sizeof(float));
        }
    }
    ggml_vec_gelu_f32(n, want, x);
    ggml_vec_gelu_table_f32(n - 3, got, x); // and a tail shorter than a vector
    ggml_vec_gelu_table_f32(3, got + n - 3, x + n - 3);
    long differ = 0;
    for (int i = 0; i < n; i++) {
        if (memcmp(&want[i], &got[i], sizeof(float)) && !(isnan(want[i]) && isnan(got[i]))) {
            if (differ++ < 5) {
                printf("x = %g: scalar %g, vectorised %g\n", x[i], want[i], got[i]);
            }
        }
    }
    printf("%ld of %d results differ\n", differ, n);
    return differ != 0;
}
