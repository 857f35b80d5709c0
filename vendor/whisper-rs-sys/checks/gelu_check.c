// The scalar GELU of ggml's vec.h and its table; see gelu.sh.
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

static float gelu(float x) {
    return 0.5f*x*(1.0f + tanhf(0.79788456080286535587989211986876f*x*(1.0f + 0.044715f*x*x)));
}

inline static void ggml_vec_gelu_f32(const int n, float * y, const float * x) {
    uint16_t t;
    for (int i = 0; i < n; ++i) {
        if (x[i] <= -10.0f) {
            y[i] = 0.0f;
        } else if (x[i] >= 10.0f) {
            y[i] = x[i];
        } else {
            ggml_fp16_t fp16 = GGML_CPU_FP32_TO_FP16(x[i]);
            memcpy(&t, &fp16, sizeof(uint16_t));
            y[i] = GGML_CPU_FP16_TO_FP32(ggml_table_gelu_f16[t]);
        }
    }
}

// vectorised lookups follow
int main(void) {
    for (int i = 0; i < 1 << 16; i++) {
        ggml_table_gelu_f16[i] = GGML_CPU_FP32_TO_FP16(gelu(GGML_CPU_FP16_TO_FP32(i)));
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
