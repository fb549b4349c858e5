/** The first request a provider serves pays the profile's cold-start penalty; later ones do not. */
export class ColdStart {
  #cold = true;

  constructor(private readonly penaltyMs: number) {}

  takePenaltyMs(): number {
    const penaltyMs = this.#cold ? this.penaltyMs : 0;
    this.#cold = false;
    return penaltyMs;
  }
}
