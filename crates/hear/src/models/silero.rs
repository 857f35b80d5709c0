//! Converting Silero VAD's 16 kHz weights (`silero_vad_16k.safetensors`,
//! as the `silero-vad` package ships them) into the ggml layout of
//! whisper.cpp's VAD: a header with the architecture, then the tensors under
//! the names whisper.cpp looks up. Convolution weights are f16, the rest
//! f32, as whisper.cpp's own converter writes them.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Deserialize;

use super::ggml::{MAGIC, Type, Writer};

#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

/// The Silero version written into the header (the weights' own release).
const VERSION: [i32; 3] = [6, 2, 0];

/// Converts the safetensors bytes into a ggml VAD model.
pub fn convert(bytes: &[u8], out: impl Write) -> Result<usize, String> {
    let tensors = parse(bytes)?;
    let get = |name: &str| tensors.get(name).ok_or_else(|| format!("the file has no tensor `{name}`"));
    let io = |e: std::io::Error| e.to_string();
    let mut w = Writer::new(std::io::BufWriter::new(out));
    w.i32(MAGIC).map_err(io)?;
    let kind = b"silero-16k";
    w.i32(kind.len() as i32).map_err(io)?;
    w.bytes(kind).map_err(io)?;
    for v in VERSION {
        w.i32(v).map_err(io)?;
    }
    // Window of 512 samples with 64 of context; four encoder convolutions.
    for v in [512, 64, 4] {
        w.i32(v).map_err(io)?;
    }
    let mut convs = Vec::new();
    for i in 1..=4 {
        let (shape, _) = get(&format!("conv{i}.weight"))?;
        let &[out_ch, in_ch, kernel] = shape.as_slice() else { return Err(format!("conv{i}.weight has shape {shape:?}")) };
        convs.push((out_ch, in_ch, kernel));
        for v in [in_ch, out_ch, kernel] {
            w.i32(v as i32).map_err(io)?;
        }
    }
    let (lstm_shape, _) = get("lstm_cell.weight_ih")?;
    let hidden = lstm_shape[0] / 4;
    for v in [lstm_shape[1], hidden, hidden, 1] {
        w.i32(v as i32).map_err(io)?;
    }
    let mut count = 0;
    let mut put = |w: &mut Writer<_>, name: &str, shape: &[usize], ty: Type, from: &str| -> Result<(), String> {
        let (_, values) = get(from)?;
        count += 1;
        w.tensor(name, shape, ty, values).map_err(|e| e.to_string())
    };
    for (i, (out_ch, in_ch, kernel)) in convs.into_iter().enumerate() {
        let conv = format!("conv{}", i + 1);
        put(&mut w, &format!("_model.encoder.{i}.reparam_conv.weight"), &[out_ch, in_ch, kernel], Type::F16, &format!("{conv}.weight"))?;
        put(&mut w, &format!("_model.encoder.{i}.reparam_conv.bias"), &[out_ch], Type::F32, &format!("{conv}.bias"))?;
    }
    for part in ["weight_ih", "weight_hh"] {
        put(&mut w, &format!("_model.decoder.rnn.{part}"), &[4 * hidden, hidden], Type::F32, &format!("lstm_cell.{part}"))?;
    }
    for part in ["bias_ih", "bias_hh"] {
        put(&mut w, &format!("_model.decoder.rnn.{part}"), &[4 * hidden], Type::F32, &format!("lstm_cell.{part}"))?;
    }
    put(&mut w, "_model.decoder.decoder.2.weight", &[hidden], Type::F16, "final_conv.weight")?;
    put(&mut w, "_model.decoder.decoder.2.bias", &[1], Type::F32, "final_conv.bias")?;
    let (stft, _) = get("stft_conv.weight")?;
    let stft = stft.clone();
    put(&mut w, "_model.stft.forward_basis_buffer", &stft, Type::F16, "stft_conv.weight")?;
    w.finish().map_err(io)?;
    Ok(count)
}

/// Tensors by name: shape and values.
type Tensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Tensors of a safetensors file (f32 only, as Silero's are).
fn parse(bytes: &[u8]) -> Result<Tensors, String> {
    let short = || "the file is too short to be safetensors".to_string();
    let len = u64::from_le_bytes(bytes.get(..8).ok_or_else(short)?.try_into().expect("8 bytes")) as usize;
    let header = bytes.get(8..8usize.checked_add(len).ok_or_else(short)?).ok_or_else(short)?;
    let data = &bytes[8 + len..];
    let entries: BTreeMap<String, serde_json::Value> = serde_json::from_slice(header).map_err(|e| format!("bad safetensors header: {e}"))?;
    let mut tensors = BTreeMap::new();
    for (name, value) in entries {
        if name == "__metadata__" {
            continue;
        }
        let e: Entry = serde_json::from_value(value).map_err(|e| format!("tensor {name}: {e}"))?;
        if e.dtype != "F32" {
            return Err(format!("tensor {name} is {}, expected F32", e.dtype));
        }
        let raw = data.get(e.data_offsets[0]..e.data_offsets[1]).ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        if raw.len() != e.shape.iter().product::<usize>() * 4 {
            return Err(format!("tensor {name}: {} bytes for shape {:?}", raw.len(), e.shape));
        }
        let values = raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        tensors.insert(name, (e.shape, values));
    }
    Ok(tensors)
}
