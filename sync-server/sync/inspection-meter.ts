/** Thrown once an inspection has spent its work budget: the update is refused, not computed. */
export class TooCostly extends Error {}

/** Counts work units and stops the inspection once the budget is spent. */
export class Meter {
  work = 0;
  constructor(private readonly budget: number) {}
  spend(units: number): void {
    this.work += units;
    if (this.work > this.budget) throw new TooCostly();
  }
}
