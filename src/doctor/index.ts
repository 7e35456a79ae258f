export { checkData, type DataCheckInput } from './data.ts';
export { formatFindings, type Finding } from './findings.ts';
