export { checkData, type DataCheckInput } from './data.ts';
export { formatFindings, type Finding } from './findings.ts';
export { diagnose, type TrainCheckInput, type TrainDiagnosis } from './train-checks.ts';
export type { MeasuredFix } from './findings.ts';
export { diagnoseConfig, parseDoctorConfig, type DoctorTrainConfig } from './train-config.ts';
