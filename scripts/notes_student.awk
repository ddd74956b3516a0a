# scripts/notes_student.awk: the student edition of a course page (make notes STUDENT=1, used by
# scripts/notes.sh): every *Solution.* paragraph of the exercises is left out (up to the next
# exercise **E..**, heading or horizontal rule), and links to the answer keys (labs/answers/)
# become plain text. Code fences are copied as they are.
/^```/ { fence = !fence }
!fence && /^\*Solution\.\*/ { skip = 1; next }
skip && !fence && (/^\*\*E[0-9]/ || /^#/ || /^---/) { skip = 0 }
skip { next }
{ line = $0; gsub(/\[[^]]*\]\([^)]*answers\/[^)]*\)/, "(answer key: instructors' edition)", line); print line }
