/**
 * Fixed keys and known answers for selfTest(). The keys are public test keys
 * and protect nothing. The answers were produced once by OpenSSL (node:crypto
 * createSign / createCipheriv / createHmac), an implementation independent of
 * our schemes; the key-wrap answer is RFC 3394 section 4.6.
 */
import type { JsonWebKey } from "./jwk.js";

export const SELF_TEST_MESSAGE = "keyhold self-test";

export const SELF_TEST_RSA_KEY: JsonWebKey = {
  kty: "RSA",
  n: "t8rimKHRVc2Oy031-NtfkGwQsvJyXYOPNSxYlbw4nB1DVIG2bzQ4L2CZ3EDhf-mxXQ5HVfgXIPpQ2-OsbjtRItWtaqt9txiowLEqikT7bmojRcjY3-_HJJvUXeIryvfut9496dZ8ajxdFJI1id3Ly6MXX_kG1iZoR3m79tPauKlP5LjaEUuSc4GOZTDV8sPCAUg-64IWXyo30vmR-K-M_TqDTa8qtDsynvaStFceszYeP1oVUDX2LZoI3P_FGSS40MEf4DT9vyVkqEzhigiCYO3F5l6DPkGfBzNYuH75fEUalvaL2p7x2qsUh8nYyN6BwTPu56bxwWTJh2_vFd4rPQ",
  e: "AQAB",
  d: "HPAgIO2bjvG0Wbze7W2m_I-TSoWjbadk8TeYBA10cVonK4NX5Ob5MLZ6S0RY7QGv2CnDIB1VkO7ws8qDcAC9a-lualTxkJZcnahXfRlS6EXkY1y2Dv5LIe-6LoUJpaXHa6Jdp7eKc9SoyDAkJ16pc5jseYM1aRr3gMeBSaH-NmRHGXJFl7wCpwq4neinYIe_HJwXkRgA4nfx2w12sXHwQIkMSx7X6SqS8Dwfl0BVUItYj5QAyGwojK450GjTIlEHqU6B74G58rp9qwYDRX3b_geMlYGN6Oa-owRQrNv88LNOtM3mHZodPmfwMQcy_GFO6XJydLIOVrsM_BXKlbFYoQ",
  p: "-__IfXR0ZgYqLUWXDPnVWzQEiyBWScoXZ_Yu0g8y09iZgnHK1uruL5npO7601FrtL-aP7WNsjyExs2Jjor0dr09WWRufR0ih0QJ1NgV0T_8h9VeAVGAQAOhtCppRm0JaCs6MmydSDQpdUHomdEgydim7IdbDyYTNI_p94lb9Lp0",
  q: "urXin2lKZxfoYqCbq261u9uH6S2uNZNY5v9DPeuXvEz613xEgwXXhN0LtOPo3veq6ykl8OmRtnd7xA5xy9V4fxL_4UUeBy5KKI1lC0zHnUGyvf5Dlisaz5O7jUJZ59NprxeodIlXoKsik6hVI0b6Jlq_pv-4FNKURGzkMIuy_SE",
  dp: "AQfOvhSX1UL5MS4zq-3pnXHdAuSi9bJJ3jb3ggxl3M_p8MqeVbqoNrGebowdGTE1_xgmRoY9j2hHV8BzP9seH_VnGP4v7I6zerNT32CuVRVqAiLVd4LdDePlbkGrS8M9swWdNZU3lK4SK54UQi15Z1pMVZsXOd-9JwSDN0W7y1E",
  dq: "q8vcIC3zhfSboNSDKDSQB7Cx175ug2F29eV-a6UxUtPKIyh2qdBgRCJYOTNT_IUKwaJ1BL0FlE1Qlk9sKc_cNaC3zQGZ5aWUGsgvZzxYl7vxyZwBeFVlMAaRFiMtMoB2x-MO31vYQz_0asUCwZj3Zv8tRW4aZR51ypgfRwPjx8E",
  qi: "fLT30a3R0aNUec25FZiAM-ojyHsLvSF9Wb6jSAN9hFajLr0Kh3e5Q2aX1TkoK_8O6NAT5_m1d9pL7UVyNuv7IV0NKjhsPN_-MYnbXwxiygvrxa9qUXFLn1U69SOUxUSGdTGeeHnOVBe3gm2WH25L3-hSC5lzv3XRaUF4oOnguXQ",
};

export const SELF_TEST_EC_KEY: JsonWebKey = {
  kty: "EC",
  x: "3My_m63w-8jvMz3PFO_b0GoXF4U2j_3zUuL-UR_tsH8",
  y: "aRnY5mItYYUvsUN1idSKdt-79hEUZwj_QAK_fjuP_0U",
  crv: "P-256",
  d: "V7rtIRVe_eZbi0R2b0RucRBmQIF3I6Ujw80GFaS_M6w",
};

/** RS256 over SHA-256(SELF_TEST_MESSAGE) with SELF_TEST_RSA_KEY (deterministic). */
export const SELF_TEST_RS256 =
  "ouGA4zxQ5GufUox4UlomHSgEzdvxGh1sR2370snWwQVOtjOWGHgIlOPJcJm4wuVshzldaH1uDysgBGL6Tw_UU776YY_UU-Qm5EUDbKuEqmjw5oejgwiyt5tk3dkR6Kgr0yxreuwWZp7tg2wUbxSvhCSEG87El2iMMmjZPKFRKN2ekUf1nyprzY5N70uSlexHvGlW3E20SwuK3BbUASf4u-y16iW1JozZjk7KpwkASqMXvibk-_N8Q2WIQqvoh6VoRlQQuDj9BugrI-pprg3EkU7wUdhYBeveWnfdercyQRyXThiZT0DqSH6nPW9l_t2mY19HqIgK24RIZc5pUX-MkA";

/** An ES256 signature over SHA-256(SELF_TEST_MESSAGE) with SELF_TEST_EC_KEY, r‖s. */
export const SELF_TEST_ES256 = "PuqHgbTK3EZRNV29H8yDWHcfe_IlLZSf9Zjbdg2IIXLgQF-U13NU_dHPQyCGjX3uvRr7mrt_xHfXGoD-QE--qw";

/** A256GCM, key 32 × 0x4b, iv 12 × 0x1f, aad "aad", plaintext SELF_TEST_MESSAGE. */
export const SELF_TEST_GCM = {
  key: "4b".repeat(32),
  iv: "1f".repeat(12),
  aad: "616164",
  ciphertext: "1ce12a266100964e4ab817f511ad6f732c",
  tag: "961f13b37bbdcac9b57aa59f88dfacb0",
};

/** RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK. */
export const SELF_TEST_KW = {
  kek: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  keyData: "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
  wrapped: "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21",
};

/** HS256 of SHA-256(SELF_TEST_MESSAGE) under the GCM key (HS* MAC the digest, as Key Vault does). */
export const SELF_TEST_HS256 = "2259d8564d000b770246b9dfc2bf52e4bc8a02cdd1a4931f13f1b67c4149d15a";
