var M=Object.defineProperty;var O=(n,o)=>M(n,"name",{value:o,configurable:!0});const h=2575,C=[2575],I={2575:((n,o,t)=>{t.r(o),t.d(o,{validateCommand:O(()=>g,"validateCommand")});var e=t(7975),f=t.n(e),d=t(6760),m=t.n(d),E=t(3567),r=t(6347),c=t(6307);const g={help:`Usage: rollgate validate [FILE...]

Checks each spec (default .github/rollout.yml) and prints every problem at once as
  FILE:LINE:COL path: message
Exit codes: 0 valid, 2 invalid.`,async run(v,a){const{positionals:_}=(0,e.parseArgs)({args:v,allowPositionals:!0,options:{}}),P=_.length?_:[".github/rollout.yml"];let i=!0;for(const l of P){const s=await(0,r.KO)((0,d.resolve)(a.cwd,l),l);if(s.ok)a.stdout.write(`${l}: valid (${s.spec.strategy}, ${(0,c.v)(s.spec).stages.length} stages, ${Object.keys(s.spec.gates).length} gates)
`);else{i=!1;for(const D of s.errors)a.stderr.write(`${(0,r.rB)(D)}
`)}}return i?E.d.ok:E.d.badInput}}})};export{h as id,C as ids,I as modules};
