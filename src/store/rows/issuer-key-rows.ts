/** The rows of the issuer key tables as both stores read and write them, and their records. */

export interface IssuerKeyRow {
  kid: string;
  alg: "ES256";
  private_jwk: string;
  public_jwk: string;
  created_at: number;
}
