import numpy as np
import pytest
import torch

from genlab.bounds import elias_gamma_encode
from genlab.compress import CODE_FORMATS, FastfoodProjector, KroneckerProjector, make_projector, LevelQuantizer, QuantizedCode, SubspaceModel, decode, empirical_entropy_bits, encode
from genlab.compress._coding import ideal_index_bits
from genlab.models import ModelConfig, build_model


def _random_code(d, levels, seed, num_choices=6, skew=1.0):
    rng = np.random.default_rng(seed)
    p = np.exp(-skew * np.arange(levels))
    indices = rng.choice(levels, size=d, p=p / p.sum())
    codebook = np.sort(rng.normal(size=levels)).astype(np.float16)
    return QuantizedCode(choice=int(rng.integers(num_choices)), indices=indices, codebook=codebook)


@pytest.mark.parametrize("code_format", CODE_FORMATS)
@pytest.mark.parametrize("coder", ["multinomial", "categorical"])
@pytest.mark.parametrize("d,levels", [(1, 2), (37, 3), (1000, 5), (20000, 7)])
def test_round_trip_is_exact(d, levels, coder, code_format):
    code = _random_code(d, levels, seed=d)
    payload, bits = encode(code, num_choices=6, coder=coder, code_format=code_format)
    assert sum(bits.values()) == 8 * len(payload)
    back = decode(payload, 6, lambda i: (d, levels), coder, code_format)
    assert back.choice == code.choice
    assert np.array_equal(back.indices, code.indices)
    assert np.array_equal(back.codebook.view(np.uint16), code.codebook.view(np.uint16))


def test_bit_count_within_two_percent_of_entropy_plus_table():
    d, levels = 20000, 7
    code = _random_code(d, levels, seed=1, skew=0.7)
    payload, bits = encode(code, num_choices=1, coder="categorical")
    table = bits["frequency_table"] + bits["codebook"]
    ideal = empirical_entropy_bits(code.indices) + table
    assert bits["hyperparameters"] == 0
    assert 8 * len(payload) >= ideal  # one distribution for all indices cannot beat the empirical entropy
    assert 8 * len(payload) <= 1.02 * ideal


@pytest.mark.parametrize("d,levels", [(1000, 5), (20000, 7)])
def test_multinomial_coder_pays_the_log_of_the_number_of_sequences(d, levels):
    """Given the counts (in the table), the indices are one of d! / prod c_k! sequences: the
    coder pays that many bits (plus the range coder's last word), below d x entropy."""
    from math import lgamma, log

    code = _random_code(d, levels, seed=2, skew=0.5)
    counts = np.bincount(code.indices, minlength=levels)
    sequences = (lgamma(d + 1) - sum(lgamma(c + 1) for c in counts)) / log(2)
    assert 0 <= ideal_index_bits(counts, "multinomial") - sequences < 1 + 1e-6  # its exact integer ceiling
    _, bits = encode(code, num_choices=1, code_format=1)
    (words,) = [w for w in range(bits["parameters"] // 32 + 1) if len(elias_gamma_encode(w + 1)) + 32 * w == bits["parameters"]]
    assert sequences <= 32 * words <= sequences + 64
    stirling = 0.5 * sum(np.log2(2 * np.pi * c) for c in counts) - 0.5 * np.log2(2 * np.pi * d)  # what the counts save
    assert stirling > 15 and abs(empirical_entropy_bits(code.indices) - sequences - stirling) < 0.5


@pytest.mark.parametrize("coder", ["multinomial", "categorical"])
def test_format_2_writes_the_word_count_as_a_short_offset(coder):
    """Format 2 names the number of range-coder words by its offset from ceil(ideal / 32), which
    both sides compute exactly: 1 or 3 bits instead of format 1's Elias gamma, same words."""
    for seed in range(20):
        code = _random_code(2000 + 37 * seed, 5, seed=seed, skew=0.3 * (seed % 4))
        _, old = encode(code, 6, coder, code_format=1)
        _, new = encode(code, 6, coder, code_format=2)
        (words,) = [w for w in range(old["parameters"] // 32 + 1) if len(elias_gamma_encode(w + 1)) + 32 * w == old["parameters"]]
        assert new["parameters"] - 32 * words in (1, 3)
    counts = np.bincount(code.indices, minlength=5)
    entropy = empirical_entropy_bits(code.indices)
    assert 0 <= ideal_index_bits(counts, "categorical") - entropy < 1 + 1e-6


def test_word_count_offsets_of_either_sign_round_trip():
    """The range coder has only ever needed 0 or +1 words beyond ceil(ideal / 32), but the field
    codes any offset (zigzag: 0, -1, +1, -2, ... -> 1, 2, 3, 4, ...)."""
    from genlab.bounds import elias_gamma_decode
    from genlab.compress._coding import _word_count, _word_count_field

    lengths = {}
    for offset in range(-3, 4):
        field = _word_count_field(69 + offset, 69)
        assert _word_count(elias_gamma_decode(field)[0], 69) == 69 + offset
        lengths[offset] = len(field)
    assert lengths[0] == 1 and lengths[1] == lengths[-1] == 3


def test_code_format_is_checked():
    code = _random_code(100, 3, seed=0)
    with pytest.raises(ValueError, match="code_format must be one of"):
        encode(code, 1, code_format=3)
    with pytest.raises(ValueError, match="code_format must be one of"):
        decode(encode(code, 1)[0], 1, lambda i: (100, 3), code_format=0)


def test_corrupted_code_is_rejected():
    code = _random_code(500, 5, seed=3)
    payload, _ = encode(code, num_choices=6)
    with pytest.raises(ValueError):
        decode(payload[: len(payload) // 2], 6, lambda i: (500, 5))
    with pytest.raises(ValueError):
        decode(payload + b"\x01", 6, lambda i: (500, 5))


def test_projector_memory_is_o_of_D_plus_d():
    D, d = 1_000_000, 10_000
    z = torch.randn(d)
    kron = KroneckerProjector(D, d, seed=0)
    stored = sum(b.numel() for b in kron.buffers())
    assert stored <= D + d  # a dense P would hold 10^10 floats
    assert stored <= 10 * int(np.sqrt(D)) * int(np.sqrt(d)) * 2
    assert kron(z).shape == (D,)
    fastfood = FastfoodProjector(D, d, seed=0)
    stored = sum(b.numel() for b in fastfood.buffers())
    assert stored <= 3 * (D + 2 * d)  # signs, permutation, Gaussian diagonal: three numbers per row
    assert fastfood(z).shape == (D,)


@pytest.mark.parametrize("kind", ["fastfood", "kronecker"])
def test_projector_is_linear_with_unit_columns_and_seeded(kind):
    D, d = 300, 12
    proj = make_projector(kind, D, d, seed=4)
    dense = torch.stack([proj(torch.eye(d)[k]) for k in range(d)], dim=1)  # D x d
    z = torch.randn(d)
    assert torch.allclose(proj(z), dense @ z, atol=1e-5)
    norms = dense.norm(dim=0)
    assert torch.all(norms <= 1 + 1e-5) and torch.all(norms > 0.9)  # unit before truncation to D rows
    assert torch.equal(make_projector(kind, D, d, seed=4)(z), proj(z))
    assert not torch.equal(make_projector(kind, D, d, seed=5)(z), proj(z))


def test_fastfood_columns_are_nearly_orthogonal_like_a_dense_gaussian():
    D, d = 20_000, 256
    gram = {}
    for kind in ("fastfood", "kronecker"):
        proj = make_projector(kind, D, d, seed=0)
        dense = torch.stack([proj(torch.eye(d)[k]) for k in range(d)], dim=1)
        gram[kind] = (dense.T @ dense - torch.diag(dense.norm(dim=0) ** 2)).abs().max().item()
    gaussian = torch.randn(D, d, generator=torch.Generator().manual_seed(0)) / D**0.5
    reference = (gaussian.T @ gaussian - torch.diag(gaussian.norm(dim=0) ** 2)).abs().max().item()
    assert gram["fastfood"] < 2 * reference  # a Kronecker product's columns share factors: far larger overlaps
    assert gram["kronecker"] > 3 * reference


def test_unknown_projector_is_a_clear_error():
    with pytest.raises(ValueError, match="kronecker"):
        make_projector("dense", 10, 2)


def test_subspace_model_starts_at_theta0_and_trains_only_z():
    torch.manual_seed(0)
    base = build_model(ModelConfig("cnn", width=4), (1, 8, 8), 10)
    x = torch.randn(5, 1, 8, 8)
    expected = base(x)
    sub = SubspaceModel(base, d=20, seed=0)
    assert torch.allclose(sub(x), expected, atol=1e-6)
    assert [n for n, p in sub.named_parameters() if p.requires_grad] == ["z"]
    sub.z.data.normal_()
    assert torch.allclose(sub.materialize()(x), sub(x), atol=1e-5)


def test_quantizer_snaps_to_levels_with_straight_through_gradient():
    z = torch.randn(1000, requires_grad=True)
    q = LevelQuantizer(z, levels=5)
    out = q(z)
    assert len(torch.unique(out.detach())) <= 5
    out.sum().backward()
    assert torch.allclose(z.grad, torch.ones_like(z))
    assert q.codebook.grad is not None and q.codebook.grad.sum() == pytest.approx(1000)
    idx, book = q.export(z)
    assert book.dtype == torch.float16 and torch.all(book[1:] >= book[:-1])
    assert torch.allclose(book.float()[idx], out.detach(), atol=1e-2)


def test_incremental_quantization_freezes_the_nearest_coordinates_first():
    torch.manual_seed(0)
    z = torch.randn(400, requires_grad=True)
    q = LevelQuantizer(z, levels=3)
    error = (z.detach() - q.codebook.detach()[q.indices(z)]).abs()
    q.freeze(z, 0.5)
    assert int(q.frozen.sum()) == 200
    assert error[q.frozen].max() <= error[~q.frozen].min()  # the nearest half went first
    out = q(z)
    out.sum().backward()
    assert torch.all(z.grad[q.frozen] == 0) and torch.all(z.grad[~q.frozen] == 1)
    fixed = q.indices(z)[q.frozen].clone()
    with torch.no_grad():
        z += 5.0  # free coordinates move; frozen ones keep their level
    assert torch.equal(q.indices(z)[q.frozen], fixed)
    q.freeze(z, 1.0)
    assert bool(q.frozen.all())
    assert len(torch.unique(q(z).detach())) <= 3


def test_decoded_model_predicts_exactly_like_the_quantized_one():
    from genlab.certify import CertifyConfig, decode_model

    torch.manual_seed(0)
    base = build_model(ModelConfig("cnn", width=4), (1, 8, 8), 10)
    config = CertifyConfig(subspace_dims=(30, 60), levels=(3, 5))
    sub = SubspaceModel(base, d=60, seed=config.seed)
    sub.z.data.normal_(std=3.0)
    sub.quantizer = LevelQuantizer(sub.z, levels=5)
    indices, codebook = sub.quantizer.export(sub.z)
    payload, _ = encode(QuantizedCode(config.grid.index((60, 5, 0)), indices.numpy(), codebook.numpy()), len(config.grid))
    decoded, code = decode_model(payload, base, sub.theta0, config)
    x = torch.randn(500, 1, 8, 8)
    expected = sub.materialize(codebook.float()[indices])(x)
    assert torch.equal(decoded(x), expected)  # bit-identical logits, hence identical predictions
    assert (decoded(x).argmax(1) == expected.argmax(1)).all() and code.choice == config.grid.index((60, 5, 0))


def test_entropy_constrained_levels_shorten_the_code_at_a_small_cost_in_distortion():
    z = torch.randn(5000, generator=torch.Generator().manual_seed(0))
    plain, ec = LevelQuantizer(z, 5), LevelQuantizer(z, 5, rate_weight=0.2)
    nearest = (z[:, None] - plain.codebook.detach()[None, :]).abs().argmin(1)
    assert torch.equal(plain.indices(z), nearest)  # rate_weight 0 is nearest-level quantization
    bits = [empirical_entropy_bits(q.indices(z).numpy()) for q in (plain, ec)]
    mse = [float(((z - q(z).detach()) ** 2).mean()) for q in (plain, ec)]
    assert bits[1] < 0.9 * bits[0]
    assert mse[1] > mse[0]
    with pytest.raises(ValueError, match="rate_weight"):
        LevelQuantizer(z, 5, rate_weight=-1)
