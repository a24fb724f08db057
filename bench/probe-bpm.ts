/** A distinct heart rate per device and second, so a painted tile tells which publish it shows. */
export const probeBpm = (deviceIndex: number, second: number) => 70 + ((second + deviceIndex * 7) % 110);
