//! Converting a faster-whisper (CTranslate2) Whisper model into the ggml
//! file whisper.cpp loads.
//!
//! Names map one to one, except that CTranslate2 fuses the query, key and
//! value projections of self-attention (and key and value of
//! cross-attention) into one matrix, which is split here; Whisper's key
//! projections have no bias. As whisper.cpp's own converters do, 2-D and
//! larger weights are written as f16, vectors, convolution biases and
//! positional embeddings as f32. The header carries the mel filterbank and
//! the byte-level vocabulary.

use std::io::{Read, Write};
use std::path::Path;

use super::ct2::Model;
use super::ggml::{MAGIC, Type, Writer};
use super::mel;

/// Tokens of the multilingual vocabulary before the special ones; whisper.cpp
/// adds the special tokens itself.
const BASE_VOCAB: usize = 50257;

/// Writes one tensor (name, shape outermost first, values), choosing its type.
type Put<'a, W> = dyn FnMut(&mut Writer<W>, &str, &[usize], &[f32]) -> Result<(), String> + 'a;

/// What the conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub n_vocab: usize,
    pub n_audio_layer: usize,
    pub n_text_layer: usize,
    pub n_state: usize,
    pub tensors: usize,
}

/// What a ggml Whisper file's header says of the model's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub n_vocab: i32,
    pub n_audio_layer: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
}

/// Reads the header [`convert`] writes (and whisper.cpp's own converters):
/// the magic, then n_vocab, n_audio_ctx, n_audio_state, n_audio_head,
/// n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer,
/// n_mels. `None` when the file is not such a model.
pub fn shape(path: &Path) -> Option<Shape> {
    let mut header = [0u8; 44];
    std::fs::File::open(path).ok()?.read_exact(&mut header).ok()?;
    let field = |i: usize| i32::from_le_bytes(header[4 * i..4 * i + 4].try_into().expect("four bytes"));
    (field(0) == MAGIC).then(|| Shape { n_vocab: field(1), n_audio_layer: field(5), n_text_layer: field(9), n_mels: field(10) })
}

/// How the large weight matrices are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// As published (f16): the faithful copy.
    F16,
    /// 8-bit blocks: about twice as fast as f16 on CPUs, transcripts all
    /// but equal.
    Q8_0,
    /// f16's range with 8 bits of mantissa: faster than 8-bit blocks where
    /// the CPU multiplies bf16 itself (AVX512-BF16), slower elsewhere.
    Bf16,
}

impl Weights {
    /// The faster of [`Weights::Bf16`] and [`Weights::Q8_0`] on this CPU.
    pub fn for_this_cpu() -> Weights {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512bf16") {
            return Weights::Bf16;
        }
        Weights::Q8_0
    }
}

impl std::str::FromStr for Weights {
    type Err = String;
    fn from_str(s: &str) -> Result<Weights, String> {
        match s {
            "auto" => Ok(Weights::for_this_cpu()),
            "f16" => Ok(Weights::F16),
            "q8_0" => Ok(Weights::Q8_0),
            "bf16" => Ok(Weights::Bf16),
            _ => Err(format!("unknown weight type `{s}` (auto, bf16, q8_0 or f16)")),
        }
    }
}

/// Converts `dir` (with `model.bin`, or `model.bin.part*` to join, and
/// `vocabulary.txt`) into the ggml file `out`.
pub fn convert(dir: &Path, weights: Weights, out: impl Write) -> Result<Summary, String> {
    let bytes = read_model_bin(dir)?;
    let model = Model::parse(&bytes)?;
    if model.spec != "WhisperSpec" {
        return Err(format!("this is a `{}` model, not a Whisper one", model.spec));
    }
    let vocab_path = dir.join("vocabulary.txt");
    let vocab = std::fs::read_to_string(&vocab_path).map_err(|e| format!("{}: {e}", vocab_path.display()))?;
    write(&model, &vocab, weights, out)
}

/// `model.bin`, or its parts joined in name order.
fn read_model_bin(dir: &Path) -> Result<Vec<u8>, String> {
    let whole = dir.join("model.bin");
    if whole.exists() {
        return std::fs::read(&whole).map_err(|e| format!("{}: {e}", whole.display()));
    }
    let mut parts: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("model.bin.part")))
        .collect();
    parts.sort();
    if parts.is_empty() {
        return Err(format!("{}: no model.bin (nor model.bin.part1, ...) here", dir.display()));
    }
    let mut bytes = Vec::new();
    for p in parts {
        bytes.extend(std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    Ok(bytes)
}

fn layers(model: &Model<'_>, side: &str) -> usize {
    (0..).take_while(|i| model.variables.contains_key(&format!("{side}/layer_{i}/ffn/linear_0/weight"))).count()
}

fn write(model: &Model<'_>, vocab: &str, weights: Weights, out: impl Write) -> Result<Summary, String> {
    let get = |name: &str| model.get(name);
    let embedding = get("decoder/embeddings/weight")?;
    let (n_vocab, n_state) = (embedding.shape[0], embedding.shape[1]);
    let conv1 = get("encoder/conv1/weight")?;
    let n_mels = conv1.shape[1];
    let n_audio_ctx = get("encoder/position_encodings/encodings")?.shape[0];
    let n_text_ctx = get("decoder/position_encodings/encodings")?.shape[0];
    let n_audio_layer = layers(model, "encoder");
    let n_text_layer = layers(model, "decoder");
    let n_audio_head = get("encoder/num_heads")?.to_int()?;
    let n_text_head = get("decoder/num_heads")?.to_int()?;

    let io = |e: std::io::Error| e.to_string();
    let mut w = Writer::new(std::io::BufWriter::new(out));
    w.i32(MAGIC).map_err(io)?;
    // ggml's file types: 1 mostly f16, 7 mostly Q8_0 (quantisation format
    // version 2), 24 mostly bf16.
    let ftype = match weights {
        Weights::F16 => 1,
        Weights::Q8_0 => 7 + 2 * 1000,
        Weights::Bf16 => 24,
    };
    let header = [
        n_vocab as i64,
        n_audio_ctx as i64,
        n_state as i64,
        n_audio_head,
        n_audio_layer as i64,
        n_text_ctx as i64,
        n_state as i64,
        n_text_head,
        n_text_layer as i64,
        n_mels as i64,
        ftype,
    ];
    for v in header {
        w.i32(v as i32).map_err(io)?;
    }
    w.i32(n_mels as i32).map_err(io)?;
    w.i32((mel::N_FFT / 2 + 1) as i32).map_err(io)?;
    w.f32s(&mel::filters(n_mels)).map_err(io)?;

    let decode = byte_decoder();
    let tokens: Vec<&str> = vocab.lines().take(BASE_VOCAB).collect();
    if tokens.len() < BASE_VOCAB {
        return Err(format!("vocabulary.txt has {} lines, expected at least {BASE_VOCAB}", tokens.len()));
    }
    w.i32(tokens.len() as i32).map_err(io)?;
    for t in tokens {
        let bytes: Vec<u8> = t.chars().map(|c| decode(c).ok_or_else(|| format!("token {t:?} is not byte-level BPE"))).collect::<Result<_, _>>()?;
        w.i32(bytes.len() as i32).map_err(io)?;
        w.bytes(&bytes).map_err(io)?;
    }

    let mut tensors = 0;
    let mut put = |w: &mut Writer<_>, name: &str, shape: &[usize], values: &[f32]| -> Result<(), String> {
        // Vectors stay f32; conv biases are written as [n, 1] and positional
        // embeddings in f32; convolutions stay f16 in Q8_0 and bf16 files
        // (whisper.cpp makes them so).
        let f32_only = shape.len() < 2 || name.ends_with("conv1.bias") || name.ends_with("conv2.bias") || name.ends_with("positional_embedding");
        let ty = match (f32_only, shape.len(), weights) {
            (true, _, _) => Type::F32,
            (false, 2, Weights::Q8_0) => Type::Q8_0,
            (false, 2, Weights::Bf16) => Type::BF16,
            _ => Type::F16,
        };
        tensors += 1;
        w.tensor(name, shape, ty, values).map_err(|e| e.to_string())
    };
    let copy = |w: &mut Writer<_>, put: &mut Put<'_, _>, from: &str, to: &str| -> Result<(), String> {
        let v = get(from)?;
        put(w, to, &v.shape, &v.to_f32()?)
    };
    let linear = |w: &mut Writer<_>, put: &mut Put<'_, _>, from: &str, to: &str| -> Result<(), String> {
        copy(w, put, &format!("{from}/weight"), &format!("{to}.weight"))?;
        copy(w, put, &format!("{from}/bias"), &format!("{to}.bias"))
    };
    let norm = |w: &mut Writer<_>, put: &mut Put<'_, _>, from: &str, to: &str| -> Result<(), String> {
        copy(w, put, &format!("{from}/gamma"), &format!("{to}.weight"))?;
        copy(w, put, &format!("{from}/beta"), &format!("{to}.bias"))
    };
    // A fused projection: equal row blocks, named in order; `None` bias for keys.
    let split = |w: &mut Writer<_>, put: &mut Put<'_, _>, from: &str, parts: &[(&str, bool)]| -> Result<(), String> {
        let weight = get(&format!("{from}/weight"))?;
        let bias = get(&format!("{from}/bias"))?.to_f32()?;
        let (rows, cols) = (weight.shape[0] / parts.len(), weight.shape[1]);
        let values = weight.to_f32()?;
        for (i, (to, with_bias)) in parts.iter().enumerate() {
            put(w, &format!("{to}.weight"), &[rows, cols], &values[i * rows * cols..(i + 1) * rows * cols])?;
            if *with_bias {
                put(w, &format!("{to}.bias"), &[rows], &bias[i * rows..(i + 1) * rows])?;
            }
        }
        Ok(())
    };

    for conv in ["conv1", "conv2"] {
        copy(&mut w, &mut put, &format!("encoder/{conv}/weight"), &format!("encoder.{conv}.weight"))?;
        let bias = get(&format!("encoder/{conv}/bias"))?;
        put(&mut w, &format!("encoder.{conv}.bias"), &[bias.shape[0], 1], &bias.to_f32()?)?;
    }
    copy(&mut w, &mut put, "encoder/position_encodings/encodings", "encoder.positional_embedding")?;
    // The parts every block has, encoder or decoder: self-attention and MLP.
    let block = |w: &mut Writer<_>, put: &mut Put<'_, _>, from: &str, to: &str| -> Result<(), String> {
        norm(w, put, &format!("{from}/self_attention/layer_norm"), &format!("{to}.attn_ln"))?;
        let (q, k, v) = (format!("{to}.attn.query"), format!("{to}.attn.key"), format!("{to}.attn.value"));
        split(w, put, &format!("{from}/self_attention/linear_0"), &[(&q, true), (&k, false), (&v, true)])?;
        linear(w, put, &format!("{from}/self_attention/linear_1"), &format!("{to}.attn.out"))?;
        norm(w, put, &format!("{from}/ffn/layer_norm"), &format!("{to}.mlp_ln"))?;
        linear(w, put, &format!("{from}/ffn/linear_0"), &format!("{to}.mlp.0"))?;
        linear(w, put, &format!("{from}/ffn/linear_1"), &format!("{to}.mlp.2"))
    };
    for i in 0..n_audio_layer {
        block(&mut w, &mut put, &format!("encoder/layer_{i}"), &format!("encoder.blocks.{i}"))?;
    }
    norm(&mut w, &mut put, "encoder/layer_norm", "encoder.ln_post")?;
    copy(&mut w, &mut put, "decoder/embeddings/weight", "decoder.token_embedding.weight")?;
    copy(&mut w, &mut put, "decoder/position_encodings/encodings", "decoder.positional_embedding")?;
    for i in 0..n_text_layer {
        let (from, to) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        block(&mut w, &mut put, &from, &to)?;
        norm(&mut w, &mut put, &format!("{from}/attention/layer_norm"), &format!("{to}.cross_attn_ln"))?;
        linear(&mut w, &mut put, &format!("{from}/attention/linear_0"), &format!("{to}.cross_attn.query"))?;
        let (k, v) = (format!("{to}.cross_attn.key"), format!("{to}.cross_attn.value"));
        split(&mut w, &mut put, &format!("{from}/attention/linear_1"), &[(&k, false), (&v, true)])?;
        linear(&mut w, &mut put, &format!("{from}/attention/linear_2"), &format!("{to}.cross_attn.out"))?;
    }
    norm(&mut w, &mut put, "decoder/layer_norm", "decoder.ln")?;
    w.finish().map_err(io)?;
    Ok(Summary { n_vocab, n_audio_layer, n_text_layer, n_state, tensors })
}

/// GPT-2's byte-level alphabet, reversed: each printable stand-in character
/// back to the byte it stands for.
fn byte_decoder() -> impl Fn(char) -> Option<u8> {
    let mut table = std::collections::HashMap::new();
    let printable = |b: u32| (0x21..=0x7E).contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b);
    let mut extra = 0;
    for b in 0u32..256 {
        let c = if printable(b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        table.insert(char::from_u32(c).expect("valid char"), b as u8);
    }
    move |c| table.get(&c).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_decoder_inverts_gpt2_alphabet() {
        let d = super::byte_decoder();
        assert_eq!(d('!'), Some(b'!'));
        assert_eq!(d('Ġ'), Some(b' '));
        assert_eq!(d('Ċ'), Some(b'\n'));
        // «Р» (D0 A0) in byte-level BPE is written «Ðł».
        assert_eq!(d('Ð'), Some(0xD0));
        assert_eq!(d('ł'), Some(0xA0));
    }
}
